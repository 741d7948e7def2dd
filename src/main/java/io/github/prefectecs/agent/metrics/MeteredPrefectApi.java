package io.github.prefectecs.agent.metrics;

import io.github.prefectecs.agent.metrics.AgentMetrics.Outcome;
import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.RunLogMatch;
import io.github.prefectecs.agent.prefect.RunLogRow;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.prefect.UpdateResult;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link PrefectApi} that counts each call in {@code
 * prefect_ecs_agent_prefect_requests_total{operation, outcome}}: {@code ok}, {@code throttled}
 * (HTTP 429 after the transport's retries) or {@code error}. One call is one GraphQL request as the
 * agent sees it; the transport's own retries of it are not counted again.
 *
 * <p>Thread-safe when the wrapped API is; errors pass through unchanged.
 */
public final class MeteredPrefectApi implements PrefectApi {
  private final PrefectApi api;
  private final AgentMetrics metrics;

  public MeteredPrefectApi(PrefectApi api, AgentMetrics metrics) {
    this.api = api;
    this.metrics = metrics;
  }

  @Override
  public String apiTokenScope() {
    return count("auth_info", api::apiTokenScope);
  }

  @Override
  public String defaultTenantId() {
    return count("tenant", api::defaultTenantId);
  }

  @Override
  public String registerAgent(AgentRegistration registration) {
    return count("register_agent", () -> api.registerAgent(registration));
  }

  @Override
  public void hello() {
    count(
        "hello",
        () -> {
          api.hello();
          return null;
        });
  }

  @Override
  public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
    return count("get_runs_in_queue", () -> api.runsInQueue(tenantId, labels, before));
  }

  @Override
  public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
    return count("flow_run", () -> api.flowRuns(ids, taskRunCutoff));
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
    return count("flow_run_status", () -> api.flowRunStatuses(ids));
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(
      Collection<String> ids, Collection<String> withOpenTaskRuns) {
    return count("flow_run_status", () -> api.flowRunStatuses(ids, withOpenTaskRuns));
  }

  @Override
  public List<FlowRun> strandedClaims(String agentId, Instant submittedBefore, int limit) {
    return count("flow_run", () -> api.strandedClaims(agentId, submittedBefore, limit));
  }

  @Override
  public List<TaskRun> taskRunStatuses(Collection<String> ids) {
    return count("task_run", () -> api.taskRunStatuses(ids));
  }

  @Override
  public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
    return count("update_flow_run_heartbeat", () -> api.heartbeatFlowRuns(ids));
  }

  @Override
  public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
    return count("set_flow_run_states", () -> api.setFlowRunStates(updates));
  }

  @Override
  public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
    return count("set_task_run_states", () -> api.setTaskRunStates(updates));
  }

  @Override
  public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
    return count("write_run_logs", () -> api.writeRunLogs(logs));
  }

  @Override
  public List<UpdateResult> writeRunLogsOnce(List<LogEntry> logs) {
    return count("write_run_logs", () -> api.writeRunLogsOnce(logs));
  }

  @Override
  public List<RunLogRow> latestRunLogs(String loggerName, List<RunLogMatch> matches) {
    return count("log", () -> api.latestRunLogs(loggerName, matches));
  }

  @Override
  public List<RunLogRow> runLogs(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    return count("log", () -> api.runLogs(loggerName, matches, offset, limit));
  }

  @Override
  public void close() {
    api.close();
  }

  private <T> T count(String operation, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (PrefectApiException e) {
      metrics.prefectRequest(operation, outcome(e));
      throw e;
    } catch (RuntimeException e) {
      metrics.prefectRequest(operation, Outcome.ERROR);
      throw e;
    }
    metrics.prefectRequest(operation, Outcome.OK);
    return result;
  }

  static Outcome outcome(PrefectApiException e) {
    return e.kind() == PrefectApiException.Kind.HTTP_STATUS && e.httpStatus() == 429
        ? Outcome.THROTTLED
        : Outcome.ERROR;
  }
}
