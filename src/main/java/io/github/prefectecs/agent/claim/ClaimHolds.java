package io.github.prefectecs.agent.claim;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an old claim still holds, asked before a launch of a claim a restarted agent of the same
 * name may have taken over: one request, on the calling thread (a launch thread), only on that rare
 * path.
 *
 * <p>Thread-safe.
 */
public final class ClaimHolds {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimHolds.class);
  private final PrefectApi api;

  public ClaimHolds(PrefectApi api) {
    this.api = api;
  }

  /**
   * Whether flow run {@code runId} is still Submitted naming {@code attemptId}, or Running at the
   * attempt's {@code runningVersion} (its flow process started); null when the API cannot tell.
   */
  public Boolean flowRun(String runId, String attemptId, int runningVersion) {
    try {
      FlowRunStatus status = api.flowRunStatuses(List.of(runId)).stream().findFirst().orElse(null);
      if (status == null) {
        return false;
      }
      if ("Submitted".equals(status.state())) {
        return attemptId.equals(PrefectStates.attemptOf(status.serializedState()));
      }
      return "Running".equals(status.state()) && status.version() <= runningVersion;
    } catch (PrefectApiException e) {
      LOG.warn("Cannot check the claim of flow run {}: {}", runId, e.getMessage());
      return null;
    }
  }

  /**
   * Whether every task run {@code taskRunIds} of flow run {@code runId} is still Submitted naming
   * {@code attemptId}; null when the API cannot tell.
   */
  public Boolean taskRuns(String runId, List<String> taskRunIds, String attemptId) {
    try {
      List<TaskRun> current = api.taskRunStatuses(taskRunIds);
      return current.size() == taskRunIds.size()
          && current.stream()
              .allMatch(
                  t ->
                      "Submitted".equals(t.stateType())
                          && attemptId.equals(PrefectStates.attemptOf(t.serializedState())));
    } catch (PrefectApiException e) {
      LOG.warn("Cannot check the claim of flow run {}: {}", runId, e.getMessage());
      return null;
    }
  }
}
