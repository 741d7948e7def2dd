package io.github.prefectecs.agent.prefect;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The seam to the Prefect API (Server or Cloud, GraphQL). Every method is one HTTP request (after
 * the transport's own retries) and throws {@link PrefectApiException} on failure.
 *
 * <p>Implementations are thread-safe.
 */
public interface PrefectApi extends AutoCloseable {

  /** {@code query { auth_info { api_token_scope } }}: the scope of a legacy token. */
  String apiTokenScope();

  /**
   * The tenant to use when none is configured: Cloud asks {@code auth_info { tenant_id }}, Server
   * takes the first of {@code tenant { id }}.
   */
  String defaultTenantId();

  /**
   * {@code register_agent}; returns the agent id and attaches {@code X-PREFECT-AGENT-ID} to every
   * later request.
   */
  String registerAgent(AgentRegistration registration);

  /** {@code query { hello }}: the connection test. */
  void hello();

  /** {@code get_runs_in_queue}: ids of runs ready before {@code before}, oldest first. */
  List<String> runsInQueue(String tenantId, List<String> labels, Instant before);

  /**
   * One {@code flow_run} query for all {@code ids}: runs still Scheduled, or Running with task runs
   * whose state started at or before {@code taskRunCutoff}.
   */
  List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff);

  /**
   * One {@code flow_run} query for the current state, version and submitting agent of {@code ids},
   * whatever their state. Used to learn whether a claim whose answer was lost went through.
   */
  List<FlowRunStatus> flowRunStatuses(Collection<String> ids);

  /**
   * One request for the statuses of {@code ids} and of {@code withOpenTaskRuns}, the latter with
   * their task runs that are not finished (what the task watcher needs to settle a stopped task:
   * retries due later, paused task runs, task runs a killed process left Running). Runs the server
   * does not know are left out.
   */
  default List<FlowRunStatus> flowRunStatuses(
      Collection<String> ids, Collection<String> withOpenTaskRuns) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not read flow run statuses with task runs");
  }

  /**
   * One {@code flow_run} query for at most {@code limit} runs Submitted by agent {@code agentId}
   * whose state is older than {@code submittedBefore}, oldest first, with the details a launch
   * needs: claims a process of this agent left when it died (agents with one name share an id).
   */
  default List<FlowRun> strandedClaims(String agentId, Instant submittedBefore, int limit) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not read stranded claims");
  }

  /**
   * One {@code task_run} query for the current version and serialized state of {@code ids}. Used to
   * learn whether task runs set Submitted by a write whose answer was lost were set.
   */
  List<TaskRun> taskRunStatuses(Collection<String> ids);

  /**
   * {@code update_flow_run_heartbeat} for every id in one request (aliased mutations), so Lazarus
   * does not reschedule runs whose task the agent knows to be starting. One result per distinct id.
   */
  default List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not send flow run heartbeats");
  }

  /** Sets flow run states in one request; one item's failure does not fail the others. */
  List<UpdateResult> setFlowRunStates(List<StateUpdate> updates);

  /** Sets task run states in one request; one item's failure does not fail the others. */
  List<UpdateResult> setTaskRunStates(List<StateUpdate> updates);

  /**
   * Writes logs in one request, grouped per flow run so that one unknown run id does not reject the
   * logs of the others. One result per distinct flow run id.
   */
  List<UpdateResult> writeRunLogs(List<LogEntry> logs);

  /**
   * As {@link #writeRunLogs}, but a request that may have reached the server is never sent again
   * (an answer lost after the server wrote the logs would otherwise write them twice): a retryable
   * failure means "maybe written", and the caller reads the logs back to know.
   */
  default List<UpdateResult> writeRunLogsOnce(List<LogEntry> logs) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not write logs at most once");
  }

  /**
   * One {@code log} query: for each match (at most one per flow run), the newest row of logger
   * {@code loggerName} of that run whose {@code info} contains the match's object ({@code
   * distinct_on} the run, newest timestamp first). Runs without such a row are absent.
   */
  default List<RunLogRow> latestRunLogs(String loggerName, List<RunLogMatch> matches) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not read logs");
  }

  /**
   * One {@code log} query: rows of logger {@code loggerName} matching any of {@code matches},
   * oldest first (ties by id), {@code limit} rows from {@code offset}.
   */
  default List<RunLogRow> runLogs(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not read logs");
  }

  @Override
  void close();
}
