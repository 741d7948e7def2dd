package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Rows for tests that do not register flows and create runs through the API: flows without tasks,
 * runs and task runs in a given state. They go through the same tables, triggers and state rules.
 * Callers hold the store's lock.
 */
final class Fixtures {
  private Fixtures() {}

  /** A flow without tasks in project "default" (created on first use), in a new flow group. */
  static String createFlow(
      ServerStore store,
      String tenantId,
      String name,
      JsonNode storage,
      JsonNode runConfig,
      String coreVersion) {
    Map<String, Object> project = store.project(tenantId, "default");
    String projectId =
        project != null
            ? (String) project.get("id")
            : store.createProject(tenantId, "default", null);
    Map<String, Object> row = store.row(ServerStore.newId());
    String versionGroupId = ServerStore.newId();
    row.put("tenant_id", tenantId);
    row.put("version", 1);
    row.put("name", name);
    row.put("description", null);
    row.put("environment", null);
    row.put("parameters", ServerStore.MAPPER.createArrayNode());
    row.put("project_id", projectId);
    row.put("archived", false);
    row.put("version_group_id", versionGroupId);
    row.put("storage", storage);
    row.put("core_version", coreVersion);
    row.put("settings", ServerStore.MAPPER.createObjectNode());
    row.put("serialized_flow", null);
    row.put("schedule", null);
    row.put("is_schedule_active", false);
    row.put("flow_group_id", store.createFlowGroup(tenantId, versionGroupId, null));
    row.put("run_config", runConfig);
    store.flows.put((String) row.get("id"), row);
    return (String) row.get("id");
  }

  /** A flow run in state Scheduled ("Flow run scheduled.", start time {@code start}). */
  static String createFlowRun(
      ServerStore store, String flowId, List<String> labels, Instant start, JsonNode runConfig) {
    Map<String, Object> flow = store.flows.get(flowId);
    if (flow == null) {
      throw new IllegalArgumentException("no flow " + flowId);
    }
    Map<String, Object> row = store.flowRunRow(flow, start);
    String id = (String) row.get("id");
    row.put("name", "run-" + id.substring(0, 8));
    row.put("labels", ServerStore.sortedLabels(labels));
    row.put("run_config", runConfig != null ? runConfig : flow.get("run_config"));
    store.insertFlowRun(row);
    StateRules.applyFlowRunState(store, row, PrefectStates.scheduled("Flow run scheduled.", start));
    return id;
  }

  /**
   * A task run of {@code flowRunId} in state {@code stateType}, for a new task of the run's flow
   * (so the run's flow gains a task, as if it had been registered with it).
   */
  /** Marks a task run a test asked for (not a column: queries never select it). */
  private static final String GIVEN = "_given_by_test";

  static String createTaskRun(
      ServerStore store, String flowRunId, String stateType, Instant stateStart) {
    Map<String, Object> flowRun = store.flowRuns.get(flowRunId);
    if (flowRun == null) {
      throw new IllegalArgumentException("no flow run " + flowRunId);
    }
    // A Pending task run the insert trigger made for an existing task of the flow serves first:
    // a new task per call would give every later run of the flow one more task run, as on the
    // server, and a thousand runs of one flow half a million task runs.
    Map<String, Object> row = null;
    for (Map<String, Object> candidate : store.taskRuns.values()) {
      if (flowRunId.equals(candidate.get("flow_run_id"))
          && "Pending".equals(candidate.get("state"))
          && !Boolean.TRUE.equals(candidate.get(GIVEN))) {
        row = candidate;
        break;
      }
    }
    if (row == null) {
      Map<String, Object> task =
          store.insertTask(null, (String) flowRun.get("flow_id"), ServerStore.newId());
      task.put("slug", "task-" + store.tasks.size());
      row = store.insertTaskRun(flowRun.get("tenant_id"), flowRunId, task, -1);
    }
    row.put(GIVEN, true);
    ObjectNode state = PrefectStates.scheduled(stateType + " task run.", stateStart);
    state.put("type", stateType);
    if (stateStart == null) {
      state.remove("start_time");
    }
    StateRules.applyTaskRunState(store, row, state);
    return (String) row.get("id");
  }
}
