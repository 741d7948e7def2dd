package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python service's state logic ({@code api/states.py}): state validation, the version bump,
 * copying state fields onto the run, heartbeats, the agent id and the 30-second Submitted lock.
 * Callers hold the store's lock.
 */
final class StateRules {
  static final Set<String> STATE_TYPES =
      Set.of(
          "Pending",
          "Scheduled",
          "Paused",
          "Resume",
          "Retrying",
          "Submitted",
          "Queued",
          "ClientFailed",
          "Running",
          "Cancelling",
          "Finished",
          "Success",
          "Cached",
          "Mapped",
          "Skipped",
          "Looped",
          "Failed",
          "TimedOut",
          "TriggerFailed",
          "ValidationFailed",
          "Cancelled");
  static final Set<String> FINISHED_TYPES =
      Set.of(
          "Finished",
          "Success",
          "Cached",
          "Mapped",
          "Skipped",
          "Looped",
          "Failed",
          "TimedOut",
          "TriggerFailed",
          "ValidationFailed",
          "Cancelled");
  private static final Set<String> END_TIME_TYPES =
      Set.of("Success", "Failed", "Cached", "TimedOut", "Looped", "Cancelled");

  /** Scheduled-type classes whose start time defaults to now (Paused's defaults to none). */
  private static final Set<String> START_NOW_TYPES =
      Set.of("Scheduled", "Resume", "Retrying", "Queued");

  /** {@code State.is_running()}: Running and its subclass Cancelling. */
  static final Set<String> RUNNING_TYPES = Set.of("Running", "Cancelling");

  static final Duration SUBMITTED_LOCK = Duration.ofSeconds(30);

  private final Map<String, Instant> submittedLocks = new HashMap<>();

  /** {@code set_flow_run_states}: each item in order; the first failure aborts the rest. */
  void setFlowRunStates(ServerStore store, List<Map<String, Object>> items, String agentId) {
    for (Map<String, Object> item : items) {
      String id = (String) item.get("flow_run_id");
      JsonNode state = validate(item.get("state"), store.now());
      Map<String, Object> run = store.flowRuns.get(id);
      if (run == null) {
        throw new ResolverException("State update failed for flow run ID " + id);
      }
      String type = state.get("type").asText();
      if (type.equals("Submitted")) {
        lockSubmitted(store, id);
      }
      setFlowRunState(store, run, state);
      if ((type.equals("Submitted")) && agentId != null && store.agents.containsKey(agentId)) {
        run.put("agent_id", agentId);
      }
    }
  }

  /**
   * {@code api/states.py: set_flow_run_state} on a known run, without the Submitted lock and the
   * agent id: a Cancelled state first cancels the run's unfinished task runs.
   */
  static void setFlowRunState(ServerStore store, Map<String, Object> run, JsonNode state) {
    if (state.get("type").asText().equals("Cancelled")) {
      for (Map<String, Object> task : List.copyOf(store.taskRuns.values())) {
        if (run.get("id").equals(task.get("flow_run_id"))
            && !FINISHED_TYPES.contains(task.get("state"))) {
          try {
            setTaskRunState(store, task, state);
          } catch (ResolverException ignored) {
            // the server gathers these with return_exceptions=True
          }
        }
      }
    }
    applyFlowRunState(store, run, state);
  }

  /** {@code set_task_run_states}: each item in order; the first failure aborts the rest. */
  void setTaskRunStates(ServerStore store, List<Map<String, Object>> items) {
    for (Map<String, Object> item : items) {
      String id = (String) item.get("task_run_id");
      JsonNode state = validate(item.get("state"), store.now());
      Map<String, Object> task = store.taskRuns.get(id);
      if (task == null) {
        throw new ResolverException("State update failed for task run ID " + id);
      }
      setTaskRunState(store, task, state);
    }
  }

  /** {@code api/states.py: set_task_run_state} on a known task run. */
  static void setTaskRunState(ServerStore store, Map<String, Object> task, JsonNode state) {
    String type = state.get("type").asText();
    Map<String, Object> flowRun = store.flowRuns.get((String) task.get("flow_run_id"));
    if (RUNNING_TYPES.contains(type) && !"Running".equals(flowRun.get("state"))) {
      throw new ResolverException(
          "State update failed for task run ID "
              + task.get("id")
              + ": provided a running state but associated flow run "
              + flowRun.get("id")
              + " is not in a running state.");
    }
    ObjectNode copy = state.deepCopy();
    JsonNode old = (JsonNode) task.get("serialized_state");
    if (isEmpty(copy.get("cached_inputs")) && old != null && !isEmpty(old.get("cached_inputs"))) {
      copy.set("cached_inputs", old.get("cached_inputs"));
    }
    applyTaskRunState(store, task, copy);
  }

  private static boolean isEmpty(JsonNode node) {
    return node == null || node.isNull() || node.isEmpty();
  }

  private void lockSubmitted(ServerStore store, String id) {
    Instant now = store.now();
    submittedLocks.values().removeIf(expiry -> !expiry.isAfter(now));
    if (submittedLocks.containsKey(id)) {
      throw new ResolverException("State update failed: this run has already been submitted.");
    }
    submittedLocks.put(id, now.plus(SUBMITTED_LOCK));
  }

  /**
   * The marshmallow load and the server's {@code state.serialize()}: an object with a known {@code
   * type}, at most 1 MB as JSON; a Scheduled, Resume, Retrying or Queued state without a start time
   * starts now (the state classes' default), a Retrying one without a run count has run 1.
   */
  static JsonNode validate(Object raw, Instant now) {
    JsonNode state = raw instanceof JsonNode node ? node : ServerStore.MAPPER.valueToTree(raw);
    if (state.toString().getBytes(StandardCharsets.UTF_8).length > 1_000_000) {
      throw new ResolverException("State payload is too large.");
    }
    if (!state.isObject()) {
      throw new ResolverException("{'_schema': ['Invalid input type.']}");
    }
    JsonNode type = state.get("type");
    if (type == null || type.isNull()) {
      throw new ResolverException("{'type': ['Missing data for required field.']}");
    }
    if (!STATE_TYPES.contains(type.asText())) {
      throw new ResolverException("{'type': ['Unsupported value: " + type.asText() + "']}");
    }
    ObjectNode loaded = state.deepCopy();
    if (START_NOW_TYPES.contains(type.asText())
        && (!loaded.hasNonNull("start_time") || loaded.get("start_time").asText().isEmpty())) {
      loaded.put("start_time", PrefectStates.format(now));
    }
    if (type.asText().equals("Retrying") && !loaded.hasNonNull("run_count")) {
      loaded.put("run_count", 1);
    }
    return loaded;
  }

  static void applyFlowRunState(ServerStore store, Map<String, Object> run, JsonNode state) {
    Instant now = store.now();
    String type = state.get("type").asText();
    copyState(run, state, now);
    if (type.equals("Running") && run.get("start_time") == null) {
      run.put("start_time", now);
    }
    if (END_TIME_TYPES.contains(type)) {
      run.put("end_time", now);
    }
    if (RUNNING_TYPES.contains(type) || type.equals("Submitted")) {
      run.put("heartbeat", now);
    }
    store.flowRunHistory.get((String) run.get("id")).add(state.deepCopy());
  }

  /** The task run trigger's copy of a new state, and the heartbeat of a running one. */
  static void applyTaskRunState(ServerStore store, Map<String, Object> task, JsonNode state) {
    Instant now = store.now();
    String type = state.get("type").asText();
    copyState(task, state, now);
    if (type.equals("Running") && task.get("start_time") == null) {
      task.put("start_time", now);
    }
    if (END_TIME_TYPES.contains(type)) {
      task.put("end_time", now);
    }
    if (RUNNING_TYPES.contains(type)) {
      task.put("heartbeat", now);
    }
  }

  private static void copyState(Map<String, Object> row, JsonNode state, Instant now) {
    row.put("version", ((Integer) row.get("version")) + 1);
    row.put("state", state.get("type").asText());
    row.put("serialized_state", state.deepCopy());
    row.put("state_start_time", PrefectStates.startTime(state).orElse(null));
    row.put("state_timestamp", now);
    JsonNode message = state.get("message");
    row.put("state_message", message == null || message.isNull() ? null : message.asText());
    row.put("state_result", state.get("_result"));
    row.put("updated", now);
  }
}
