package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process Prefect Server (2021.11.30) for tests: the GraphQL API on the schema subset that
 * agents, Prefect Core's flow runner and flow registration use, with the Python service's rules and
 * the database's triggers, over loopback HTTP on a free port. It also injects faults (down, HTTP
 * errors, 429, garbage bodies) and records every request.
 *
 * <p>Thread-safe. Start with {@link #start()}, stop with {@link #close()}.
 */
public final class PrefectServerDouble implements AutoCloseable {
  private final ServerClock clock = new ServerClock();
  private final ServerStore store = new ServerStore(clock);
  private final StateRules states = new StateRules();
  private final GraphqlEndpoint endpoint;
  private final Faults faults = new Faults();
  private final LostAnswers lostAnswers = new LostAnswers();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final HttpFront front;
  private final String defaultTenantId;
  private final int port;
  private final PrefectApiUser user;
  private boolean down;

  private PrefectServerDouble() throws IOException {
    this.endpoint = new GraphqlEndpoint(new ServerSchema(store, states).build());
    synchronized (store) {
      this.defaultTenantId = store.createTenant("default");
    }
    this.front = new HttpFront(endpoint, faults, lostAnswers, requests);
    this.port = front.listen(0);
    this.user = new PrefectApiUser(uri(), defaultTenantId);
  }

  /** Starts a double on 127.0.0.1 and a free port, with one tenant. */
  public static PrefectServerDouble start() {
    try {
      return new PrefectServerDouble();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port>}: POST GraphQL here or to {@code /graphql}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public ServerClock clock() {
    return clock;
  }

  public String defaultTenantId() {
    return defaultTenantId;
  }

  /** Sends what Prefect Core's {@code Client} and the UI send, over HTTP (counted, validated). */
  public PrefectApiUser user() {
    return user;
  }

  // ---- data ----

  public String createFlow(String name) {
    return createFlow(name, null, null, "0.15.13");
  }

  public String createFlow(String name, JsonNode storage, JsonNode runConfig, String coreVersion) {
    synchronized (store) {
      return Fixtures.createFlow(store, defaultTenantId, name, storage, runConfig, coreVersion);
    }
  }

  /** A flow run in state Scheduled ("Flow run scheduled.", start time {@code scheduledStart}). */
  public String createFlowRun(String flowId, List<String> labels, Instant scheduledStart) {
    return createFlowRun(flowId, labels, scheduledStart, null);
  }

  public String createFlowRun(
      String flowId, List<String> labels, Instant scheduledStart, JsonNode runConfig) {
    synchronized (store) {
      return Fixtures.createFlowRun(store, flowId, labels, scheduledStart, runConfig);
    }
  }

  /**
   * A task run of {@code flowRunId} in state {@code stateType} starting at {@code stateStart}: the
   * Pending one the insert trigger made for a task of its flow, else one of a new task of the flow.
   */
  public String createTaskRun(String flowRunId, String stateType, Instant stateStart) {
    synchronized (store) {
      return Fixtures.createTaskRun(store, flowRunId, stateType, stateStart);
    }
  }

  public String flowRunState(String flowRunId) {
    return (String) column("flow_run", flowRunId, "state");
  }

  public JsonNode flowRunSerializedState(String flowRunId) {
    return (JsonNode) column("flow_run", flowRunId, "serialized_state");
  }

  /** Any column of a flow run, e.g. {@code version}, {@code heartbeat}, {@code agent_id}. */
  public Object flowRunColumn(String flowRunId, String column) {
    return column("flow_run", flowRunId, column);
  }

  /** Every serialized state set on the run, oldest first (starting with its Scheduled state). */
  public List<JsonNode> flowRunStateHistory(String flowRunId) {
    synchronized (store) {
      List<JsonNode> history = store.flowRunHistory.get(flowRunId);
      if (history == null) {
        throw new IllegalArgumentException("no flow run " + flowRunId);
      }
      return List.copyOf(history);
    }
  }

  public String taskRunState(String taskRunId) {
    return (String) column("task_run", taskRunId, "state");
  }

  /** The task runs of a flow run with their tasks' slugs and names, oldest first. */
  public List<TaskRunRecord> taskRuns(String flowRunId) {
    synchronized (store) {
      List<TaskRunRecord> taskRuns = new ArrayList<>();
      for (Map<String, Object> row : store.taskRuns.values()) {
        if (flowRunId.equals(row.get("flow_run_id"))) {
          Map<String, Object> task =
              store.tasks.getOrDefault((String) row.get("task_id"), Map.of());
          taskRuns.add(TaskRunRecord.of(row, task));
        }
      }
      return taskRuns;
    }
  }

  /** The unmapped task run of the task named {@code taskName} (e.g. {@code say_hello}). */
  public TaskRunRecord taskRun(String flowRunId, String taskName) {
    return taskRuns(flowRunId).stream()
        .filter(t -> taskName.equals(t.taskName()) && t.mapIndex() == -1)
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("no task run of " + taskName + " in " + flowRunId));
  }

  /**
   * Sets a task run state with the server's rules, as {@code set_task_run_states} would (a
   * Running-type state needs a Running flow run; a Scheduled-type state without a start time starts
   * now).
   */
  public void setTaskRunState(String taskRunId, JsonNode state) {
    synchronized (store) {
      Map<String, Object> row = store.taskRuns.get(taskRunId);
      if (row == null) {
        throw new IllegalArgumentException("no task run " + taskRunId);
      }
      StateRules.setTaskRunState(store, row, StateRules.validate(state, store.now()));
    }
  }

  /**
   * Writes the task run's current state again with start time now: a Retrying task run due in 15
   * minutes becomes due at once, instead of the test waiting for it.
   */
  public void startTaskRunNow(String taskRunId) {
    synchronized (store) {
      JsonNode current = (JsonNode) column("task_run", taskRunId, "serialized_state");
      ObjectNode moved = current.deepCopy();
      moved.put("start_time", PrefectStates.format(store.now()));
      setTaskRunState(taskRunId, moved);
    }
  }

  /** A project of the default tenant; returns its id. */
  public String createProject(String name) {
    synchronized (store) {
      return FlowRegistration.createProject(
          store, Map.of("tenant_id", defaultTenantId, "name", name));
    }
  }

  /**
   * What Lazarus does to a run it picks: {@code Scheduled("Rescheduled by a Lazarus process.")}
   * starting now, {@code times_resurrected + 1} and the INFO log "Rescheduled by a Lazarus process.
   * This is attempt N." (logger {@code prefect-server.Lazarus.FlowRun}); after 3 attempts Failed
   * with an ERROR log instead. It does not check whether Lazarus would pick the run.
   */
  public void lazarusReschedule(String flowRunId) {
    synchronized (store) {
      Map<String, Object> run = store.flowRuns.get(flowRunId);
      if (run == null) {
        throw new IllegalArgumentException("no flow run " + flowRunId);
      }
      Lazarus.resurrect(store, run);
    }
  }

  /**
   * One pass of the Lazarus service at the double's clock: Running or Submitted runs whose
   * heartbeat is 10 minutes old or more and that have no Scheduled- or Running-type task run are
   * rescheduled as {@link #lazarusReschedule} does. Returns their ids.
   */
  public List<String> runLazarus() {
    synchronized (store) {
      return Lazarus.runOnce(store);
    }
  }

  public List<LogRecord> logs(String flowRunId) {
    synchronized (store) {
      return store.logs.stream().filter(log -> log.flowRunId().equals(flowRunId)).toList();
    }
  }

  public List<AgentRecord> agents() {
    synchronized (store) {
      List<AgentRecord> agents = new ArrayList<>();
      for (Map<String, Object> row : store.agents.values()) {
        agents.add(AgentRecord.of(row));
      }
      return agents;
    }
  }

  /**
   * What deleting a run in the UI does ({@code api.runs.delete_flow_run}): the run, its task runs
   * and its state history are gone; reads no longer name it and writes to it are refused.
   */
  public void deleteFlowRun(String flowRunId) {
    synchronized (store) {
      store.deleteFlowRun(flowRunId);
    }
  }

  /** Sets a flow run state as the flow runner would (the Submitted lock applies). */
  public void setFlowRunState(String flowRunId, JsonNode state) {
    synchronized (store) {
      states.setFlowRunStates(
          store, List.of(Map.of("flow_run_id", flowRunId, "state", state)), null);
    }
  }

  private Object column(String table, String id, String column) {
    synchronized (store) {
      Map<String, Object> row = store.table(table).get(id);
      if (row == null) {
        throw new IllegalArgumentException("no " + table + " " + id);
      }
      return row.get(column);
    }
  }

  // ---- faults ----

  /** Down: the port refuses connections. Up again: the same port listens again. */
  public synchronized void setDown(boolean down) {
    if (down && !this.down) {
      front.stop();
    } else if (!down && this.down) {
      try {
        front.listen(port);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot listen again on port " + port, e);
      }
    }
    this.down = down;
  }

  /** The next {@code n} GraphQL requests get HTTP {@code httpStatus}. */
  public void failNextRequests(int n, int httpStatus) {
    faults.add(n, new Faults.Fault(httpStatus, null, false));
  }

  /** The next {@code n} GraphQL requests get HTTP 429 with {@code Retry-After: seconds}. */
  public void failNextRequestsWith429(int n, int retryAfterSeconds) {
    faults.add(n, new Faults.Fault(429, String.valueOf(retryAfterSeconds), false));
  }

  /**
   * Behaves like Prefect Cloud with API keys: every later request without {@code Authorization:
   * Bearer key} is answered {@code UNAUTHENTICATED: Invalid API key}. Null accepts any request.
   */
  public void requireApiKey(String key) {
    faults.requireKey(key);
  }

  /** The next {@code n} GraphQL requests get HTTP 200 with a body that is not JSON. */
  public void garbageNextRequests(int n) {
    faults.add(n, new Faults.Fault(200, null, true));
  }

  /**
   * The next {@code n} requests with root field {@code rootField} whose body contains {@code
   * bodyContains} are applied, and then their answer is lost as {@code mode} says ({@code delay}:
   * how late a {@link LostAnswers.Mode#LATE_COMMIT} commits).
   */
  public void loseAnswers(
      int n, String rootField, String bodyContains, LostAnswers.Mode mode, Duration delay) {
    lostAnswers.add(n, new LostAnswers.Loss(rootField, bodyContains, mode, delay));
  }

  // ---- accounting ----

  /** GraphQL (POST) requests received, including those answered with an injected fault. */
  public int requestCount() {
    return requests.size();
  }

  /** POST requests whose GraphQL document has a root field named {@code rootField}. */
  public int requestCount(String rootField) {
    return (int) requests.stream().filter(r -> r.rootFields().contains(rootField)).count();
  }

  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** Parse, validation and variable errors (each answered with HTTP 400), oldest first. */
  public List<String> validationErrors() {
    return endpoint.validationErrors();
  }

  public void clearValidationErrors() {
    endpoint.clearValidationErrors();
  }

  @Override
  public synchronized void close() {
    front.close();
  }
}
