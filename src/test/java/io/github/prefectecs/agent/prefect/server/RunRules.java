package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Python service's run mutations besides states and the queue ({@code api/runs.py}, {@code
 * api/states.py}, {@code api/flows.py}): {@code create_flow_run}, {@code
 * get_or_create_task_run_info}, {@code cancel_flow_run} and archiving a flow. Callers hold the
 * store's lock.
 */
final class RunRules {
  private static final List<String> ADJECTIVES =
      List.of("amber", "brisk", "calm", "daring", "eager", "fuzzy", "gentle", "hidden", "ivory");
  private static final List<String> ANIMALS =
      List.of("tortoise", "heron", "otter", "lynx", "badger", "marmot", "gecko", "ibis", "koala");

  private RunRules() {}

  /** {@code api.runs.create_flow_run}; returns the new run's id (or the idempotent one's). */
  @SuppressWarnings("unchecked")
  static String createFlowRun(ServerStore store, Map<String, Object> input) {
    String flowId = (String) input.get("flow_id");
    String versionGroupId = (String) input.get("version_group_id");
    if (flowId == null && (versionGroupId == null || versionGroupId.isEmpty())) {
      throw new ResolverException("A flow id or version group ID must be provided.");
    }
    Map<String, Object> flow =
        flowId != null ? store.flows.get(flowId) : unarchived(store, versionGroupId);
    if (flow == null) {
      throw new ResolverException(
          flowId != null
              ? "Flow " + flowId + " not found"
              : "Version group " + versionGroupId + " has no unarchived flows.");
    }
    if (Boolean.TRUE.equals(flow.get("archived"))) {
      throw new ResolverException("Flow " + flow.get("id") + " is archived.");
    }
    Map<String, Object> group = store.flowGroups.get((String) flow.get("flow_group_id"));
    JsonNode runConfig = (JsonNode) input.get("run_config");
    List<String> labels = labels((List<String>) input.get("labels"), runConfig, group, flow);
    if (runConfig == null) {
      runConfig =
          group != null && group.get("run_config") != null
              ? (JsonNode) group.get("run_config")
              : (JsonNode) flow.get("run_config");
    }
    ObjectNode parameters = parameters(flow, group, (JsonNode) input.get("parameters"));
    String idempotencyKey = (String) input.get("idempotency_key");
    for (Map<String, Object> run : store.flowRuns.values()) {
      if (idempotencyKey != null
          && idempotencyKey.equals(run.get("idempotency_key"))
          && flow.get("id").equals(run.get("flow_id"))) {
        return (String) run.get("id");
      }
    }
    Instant start =
        input.get("scheduled_start_time") == null
            ? store.now()
            : (Instant) input.get("scheduled_start_time");
    Map<String, Object> row = store.flowRunRow(flow, start);
    String name = (String) input.get("flow_run_name");
    row.put("name", name != null && !name.isEmpty() ? name : slug());
    row.put("parameters", parameters);
    JsonNode context = (JsonNode) input.get("context");
    if (context != null && !context.isNull()) {
      row.put("context", context);
    }
    ArrayNode labelArray = ServerStore.MAPPER.createArrayNode();
    labels.forEach(labelArray::add);
    row.put("labels", labelArray);
    row.put("run_config", runConfig);
    row.put("idempotency_key", idempotencyKey);
    store.insertFlowRun(row);
    StateRules.applyFlowRunState(store, row, PrefectStates.scheduled("Flow run scheduled.", start));
    return (String) row.get("id");
  }

  /** First match wins: the argument, the run config argument, flow group, flow; sorted. */
  private static List<String> labels(
      List<String> given, JsonNode runConfig, Map<String, Object> group, Map<String, Object> flow) {
    List<String> labels;
    if (given != null) {
      labels = new ArrayList<>(given);
    } else if (runConfig != null && !runConfig.isNull()) {
      labels = ServerStore.labelList(runConfig.get("labels"));
    } else if (group != null && group.get("labels") != null) {
      labels = ServerStore.labelList(group.get("labels"));
    } else if (group != null && group.get("run_config") != null) {
      labels = ServerStore.labelList(((JsonNode) group.get("run_config")).get("labels"));
    } else if (flow.get("run_config") != null) {
      labels = ServerStore.labelList(((JsonNode) flow.get("run_config")).get("labels"));
    } else if (flow.get("environment") != null) {
      labels = ServerStore.labelList(((JsonNode) flow.get("environment")).get("labels"));
    } else {
      labels = new ArrayList<>();
    }
    labels.sort(Comparator.naturalOrder());
    return labels;
  }

  /** Truthy parameter defaults, then the flow group's defaults, then the given values. */
  private static ObjectNode parameters(
      Map<String, Object> flow, Map<String, Object> group, JsonNode given) {
    ObjectNode values = ServerStore.MAPPER.createObjectNode();
    JsonNode declared = (JsonNode) flow.get("parameters");
    Set<String> required = new TreeSet<>();
    if (declared != null && declared.isArray()) {
      for (JsonNode parameter : declared) {
        String name = parameter.path("name").asText();
        if (truthy(parameter.get("default"))) {
          values.set(name, parameter.get("default").deepCopy());
        }
        if (parameter.path("required").asBoolean(false)) {
          required.add(name);
        }
      }
    }
    if (group != null && group.get("default_parameters") instanceof ObjectNode defaults) {
      values.setAll(defaults.deepCopy());
    }
    if (given instanceof ObjectNode object) {
      values.setAll(object.deepCopy());
    }
    required.removeIf(values::has);
    if (!required.isEmpty()) {
      StringBuilder set = new StringBuilder("{");
      required.forEach(name -> set.append(set.length() > 1 ? ", '" : "'").append(name).append("'"));
      throw new ResolverException("Required parameters were not supplied: " + set.append('}'));
    }
    return values;
  }

  private static boolean truthy(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return false;
    }
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    if (value.isNumber()) {
      return value.decimalValue().signum() != 0;
    }
    if (value.isTextual()) {
      return !value.asText().isEmpty();
    }
    return !value.isEmpty();
  }

  private static Map<String, Object> unarchived(ServerStore store, String versionGroupId) {
    return store.flows.values().stream()
        .filter(
            f ->
                versionGroupId.equals(f.get("version_group_id"))
                    && Boolean.FALSE.equals(f.get("archived")))
        .max(Comparator.comparing(f -> (Integer) f.get("version")))
        .orElse(null);
  }

  /** coolname's {@code generate_slug(2)} in miniature: adjective-animal. */
  private static String slug() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return ADJECTIVES.get(random.nextInt(ADJECTIVES.size()))
        + "-"
        + ANIMALS.get(random.nextInt(ANIMALS.size()));
  }

  /**
   * {@code api.runs.get_or_create_task_run_info}: the task run of (flow run, task, map index), or a
   * new Pending one (mapped children are created this way). A new one answers version 0.
   */
  static Map<String, Object> getOrCreateTaskRunInfo(ServerStore store, Map<String, Object> input) {
    String flowRunId = (String) input.get("flow_run_id");
    String taskId = (String) input.get("task_id");
    int mapIndex = input.get("map_index") == null ? -1 : (Integer) input.get("map_index");
    for (Map<String, Object> taskRun : store.taskRuns.values()) {
      if (flowRunId.equals(taskRun.get("flow_run_id"))
          && taskId.equals(taskRun.get("task_id"))
          && Objects.equals(mapIndex, taskRun.get("map_index"))) {
        return info(taskRun, (Integer) taskRun.get("version"));
      }
    }
    Map<String, Object> task = store.tasks.get(taskId);
    if (task == null) {
      throw new ResolverException("Invalid task ID");
    }
    if (!store.flowRuns.containsKey(flowRunId)) {
      throw new ResolverException("Foreign key violation.");
    }
    Map<String, Object> taskRun =
        store.insertTaskRun(task.get("tenant_id"), flowRunId, task, mapIndex);
    ObjectNode pending = PrefectStates.failed("Task run created");
    pending.put("type", "Pending");
    StateRules.applyTaskRunState(store, taskRun, pending);
    return info(taskRun, 0);
  }

  private static Map<String, Object> info(Map<String, Object> taskRun, int version) {
    Map<String, Object> info = new java.util.LinkedHashMap<>();
    info.put("id", taskRun.get("id"));
    info.put("version", version);
    info.put("state", taskRun.get("state"));
    info.put("serialized_state", taskRun.get("serialized_state"));
    return info;
  }

  /**
   * {@code api.states.cancel_flow_run}: nothing for a finished run, Cancelling for a running one,
   * Cancelled otherwise; returns the run's state name afterwards.
   */
  static String cancelFlowRun(ServerStore store, String flowRunId, String message) {
    Map<String, Object> run = store.flowRuns.get(flowRunId);
    if (run == null) {
      throw new ResolverException("Invalid flow run ID: " + flowRunId + ".");
    }
    String state = (String) run.get("state");
    if (StateRules.FINISHED_TYPES.contains(state)) {
      return state;
    }
    ObjectNode next =
        StateRules.RUNNING_TYPES.contains(state)
            ? named("Cancelling", message != null ? message : "Flow run is cancelling")
            : PrefectStates.cancelled(message != null ? message : "Flow run is cancelled");
    StateRules.setFlowRunState(store, run, next);
    return (String) run.get("state");
  }

  /** {@code api.flows.archive_flow}: archived, its ad-hoc Scheduled runs Cancelled. */
  static void archiveFlow(ServerStore store, Map<String, Object> flow) {
    flow.put("archived", true);
    Object flowId = flow.get("id");
    for (Map<String, Object> run : List.copyOf(store.flowRuns.values())) {
      if (flowId.equals(run.get("flow_id")) && "Scheduled".equals(run.get("state"))) {
        if (Boolean.TRUE.equals(run.get("auto_scheduled"))) {
          store.deleteFlowRun((String) run.get("id"));
        } else {
          cancelFlowRun(store, (String) run.get("id"), "Flow " + flowId + " was archived.");
        }
      }
    }
  }

  private static ObjectNode named(String type, String message) {
    ObjectNode state = PrefectStates.failed(message);
    state.put("type", type);
    return state;
  }
}
