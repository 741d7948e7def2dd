package io.github.prefectecs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredPrefectApiTest {
  private final AgentMetrics metrics = AgentMetrics.create();
  private final ScriptedApi scripted = new ScriptedApi();
  private final PrefectApi api = new MeteredPrefectApi(scripted, metrics);

  @Test
  void eachCallIsCountedByOperationAndOutcomeAndErrorsPassThrough() {
    scripted.next.add(new PrefectApiException(Kind.HTTP_STATUS, "too many", 429, null));
    scripted.next.add(new PrefectApiException(Kind.TRANSPORT, "refused"));

    api.runsInQueue("t", List.of(), Instant.EPOCH);
    api.runsInQueue("t", List.of(), Instant.EPOCH);
    assertThatThrownBy(() -> api.setFlowRunStates(List.of()))
        .isInstanceOf(PrefectApiException.class)
        .hasMessage("too many");
    assertThatThrownBy(api::hello).hasMessage("refused");

    assertThat(count("get_runs_in_queue", "ok")).isEqualTo(2);
    assertThat(count("set_flow_run_states", "throttled")).isEqualTo(1);
    assertThat(count("hello", "error")).isEqualTo(1);
  }

  @Test
  void heartbeatsOfStartingRunsReachTheApiAndAreCounted() {
    // The watcher keeps Lazarus off runs whose task is still starting; the metrics wrapper sits in
    // front of the real API in the agent, so it must pass heartbeats on, not refuse them.
    List<UpdateResult> results = api.heartbeatFlowRuns(List.of("run-1", "run-2"));

    assertThat(results).extracting(UpdateResult::runId).containsExactly("run-1", "run-2");
    assertThat(scripted.heartbeats).containsExactly(List.of("run-1", "run-2"));
    assertThat(count("update_flow_run_heartbeat", "ok")).isEqualTo(1);
  }

  private double count(String operation, String outcome) {
    CounterSnapshot snapshot =
        (CounterSnapshot)
            metrics
                .registry()
                .scrape(n -> n.startsWith("prefect_ecs_agent_prefect_requests"))
                .get(0);
    return snapshot.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(Labels.of("operation", operation, "outcome", outcome)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  /** Answers every call empty, or throws the next scripted failure first. */
  private static final class ScriptedApi implements PrefectApi {
    final Deque<RuntimeException> next = new ArrayDeque<>();
    final List<List<String>> heartbeats = new ArrayList<>();

    private void maybeFail() {
      RuntimeException e = next.poll();
      if (e != null) {
        throw e;
      }
    }

    @Override
    public String apiTokenScope() {
      maybeFail();
      return "RUNNER";
    }

    @Override
    public String defaultTenantId() {
      maybeFail();
      return "t";
    }

    @Override
    public String registerAgent(AgentRegistration registration) {
      maybeFail();
      return "a";
    }

    @Override
    public void hello() {
      maybeFail();
    }

    @Override
    public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
      return List.of();
    }

    @Override
    public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
      return List.of();
    }

    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {

      return List.of();
    }

    @Override
    public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
      return List.of();
    }

    @Override
    public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
      maybeFail();
      return List.of();
    }

    @Override
    public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
      maybeFail();
      heartbeats.add(List.copyOf(ids));
      return ids.stream().map(UpdateResult::ok).toList();
    }

    @Override
    public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
      return List.of();
    }

    @Override
    public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
      return List.of();
    }

    @Override
    public void close() {}
  }
}
