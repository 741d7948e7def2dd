package io.github.prefectecs.agent.claim;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Who holds a run whose claim answer was lost or refused, read from the server's current state.
 *
 * <p>A claim is a Submitted state carrying this process's claim token ({@link
 * PrefectStates#CLAIM_KEY}): on the flow run when it was Scheduled, else on its Scheduled task runs
 * (a Running flow run queued again because task runs retry). Prefect Server ignores task run
 * versions, so only the token tells whose write a Submitted task run is.
 */
public enum ClaimVerdict {
  /** This process's claim went through: launch the run. */
  OURS,
  /** Unchanged so far: the write may still be committing on a slow server; ask again later. */
  PENDING,
  /** Another agent holds the run, or it moved on: leave it to the server. */
  NOT_OURS;

  /**
   * The verdict on a flow run claim.
   *
   * @param run the run as it was before the claim
   * @param status its current status, or null when the server no longer knows it
   * @param agentId this agent's registered id
   * @param claimToken this process's claim token
   */
  public static ClaimVerdict ofFlowRun(
      FlowRun run, FlowRunStatus status, String agentId, String claimToken) {
    if (status == null) {
      return NOT_OURS;
    }
    if ("Submitted".equals(status.state())
        && status.version() > run.version()
        && agentId != null
        && agentId.equals(status.agentId())
        // Replicas with one name and label set share the agent id: the claim token decides.
        && claimToken.equals(PrefectStates.claimOf(status.serializedState()))) {
      return OURS;
    }
    return status.version() == run.version() ? PENDING : NOT_OURS;
  }

  /**
   * The verdict on a task run claim: {@link #OURS} when every task run written is Submitted with
   * {@code claimToken}, {@link #NOT_OURS} when one of them moved on otherwise (another agent's
   * Submitted, Running, finished, gone), else {@link #PENDING}.
   *
   * @param written the task runs set Submitted, as they were before
   * @param current their current rows
   * @param claimToken this process's claim token
   */
  public static ClaimVerdict ofTaskRuns(
      List<TaskRun> written, List<TaskRun> current, String claimToken) {
    Map<String, TaskRun> now =
        current.stream().collect(Collectors.toMap(TaskRun::id, Function.identity(), (a, b) -> a));
    boolean allOurs = true;
    for (TaskRun before : written) {
      TaskRun after = now.get(before.id());
      if (after == null) {
        return NOT_OURS;
      }
      String type = after.stateType();
      if ("Submitted".equals(type)
          && claimToken.equals(PrefectStates.claimOf(after.serializedState()))) {
        continue;
      }
      allOurs = false;
      if (after.version() != before.version() || !Objects.equals(type, before.stateType())) {
        return NOT_OURS;
      }
    }
    return allOurs ? OURS : PENDING;
  }
}
