package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.RunLogMatch;
import io.github.prefectecs.agent.prefect.RunLogRow;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.prefect.UpdateResult;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A base for Prefect API fakes: every call a fake does not override fails loudly, so a test that
 * reaches an operation its fake does not model learns so at once instead of getting an empty
 * answer.
 */
public abstract class UnusedPrefectApi implements PrefectApi {

  private UnsupportedOperationException unused(String operation) {
    return new UnsupportedOperationException(
        getClass().getSimpleName() + " does not answer " + operation);
  }

  @Override
  public String apiTokenScope() {
    throw unused("auth_info");
  }

  @Override
  public String defaultTenantId() {
    throw unused("tenant");
  }

  @Override
  public String registerAgent(AgentRegistration registration) {
    throw unused("register_agent");
  }

  @Override
  public void hello() {
    throw unused("hello");
  }

  @Override
  public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
    throw unused("get_runs_in_queue");
  }

  @Override
  public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
    throw unused("flow_run");
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
    throw unused("flow_run statuses");
  }

  @Override
  public List<TaskRun> taskRunStatuses(Collection<String> ids) {
    throw unused("task_run");
  }

  @Override
  public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
    throw unused("set_flow_run_states");
  }

  @Override
  public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
    throw unused("set_task_run_states");
  }

  @Override
  public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
    throw unused("write_run_logs");
  }

  @Override
  public List<RunLogRow> latestRunLogs(String loggerName, List<RunLogMatch> matches) {
    throw unused("log");
  }

  @Override
  public List<RunLogRow> runLogs(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    throw unused("log");
  }

  @Override
  public void close() {}
}
