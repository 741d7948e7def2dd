package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The double's tables (rows are maps keyed by the schema's column names) and their Hasura
 * relationships. Callers synchronise on the store.
 */
final class ServerStore {
  static final ObjectMapper MAPPER = new ObjectMapper();

  final Clock clock;
  final Map<String, Map<String, Object>> tenants = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> flows = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> flowRuns = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> taskRuns = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> agents = new LinkedHashMap<>();
  final Map<String, List<JsonNode>> flowRunHistory = new LinkedHashMap<>();
  final List<LogRecord> logs = new ArrayList<>();
  final Map<String, Map<String, Object>> logRows = new LinkedHashMap<>();

  ServerStore(Clock clock) {
    this.clock = clock;
  }

  Instant now() {
    return clock.instant();
  }

  static String newId() {
    return UUID.randomUUID().toString();
  }

  private Map<String, Object> row(String id) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("created", now());
    row.put("updated", now());
    return row;
  }

  String createTenant(String name) {
    Map<String, Object> row = row(newId());
    row.put("name", name);
    row.put("slug", name);
    row.put("info", null);
    row.put("settings", MAPPER.createObjectNode());
    tenants.put((String) row.get("id"), row);
    return (String) row.get("id");
  }

  String createFlow(
      String tenantId, String name, JsonNode storage, JsonNode runConfig, String coreVersion) {
    Map<String, Object> row = row(newId());
    row.put("tenant_id", tenantId);
    row.put("version", 1);
    row.put("name", name);
    row.put("description", null);
    row.put("environment", null);
    row.put("parameters", MAPPER.createArrayNode());
    row.put("project_id", newId());
    row.put("archived", false);
    row.put("version_group_id", null);
    row.put("storage", storage);
    row.put("core_version", coreVersion);
    row.put("settings", MAPPER.createObjectNode());
    row.put("serialized_flow", null);
    row.put("schedule", null);
    row.put("is_schedule_active", false);
    row.put("flow_group_id", newId());
    row.put("run_config", runConfig);
    flows.put((String) row.get("id"), row);
    return (String) row.get("id");
  }

  String createFlowRun(String flowId, List<String> labels, Instant start, JsonNode runConfig) {
    Map<String, Object> flow = flows.get(flowId);
    if (flow == null) {
      throw new IllegalArgumentException("no flow " + flowId);
    }
    Map<String, Object> row = row(newId());
    String id = (String) row.get("id");
    row.put("tenant_id", flow.get("tenant_id"));
    row.put("flow_id", flowId);
    row.put("name", "run-" + id.substring(0, 8));
    row.put("parameters", MAPPER.createObjectNode());
    row.put("context", MAPPER.createObjectNode());
    row.put("labels", sortedLabels(labels));
    row.put("run_config", runConfig != null ? runConfig : flow.get("run_config"));
    row.put("scheduled_start_time", start);
    row.put("auto_scheduled", false);
    for (String column :
        List.of(
            "heartbeat",
            "start_time",
            "end_time",
            "state",
            "serialized_state",
            "state_start_time",
            "state_timestamp",
            "state_message",
            "state_result",
            "idempotency_key",
            "agent_id")) {
      row.put(column, null);
    }
    row.put("version", 0);
    row.put("times_resurrected", 0);
    flowRuns.put(id, row);
    flowRunHistory.put(id, new ArrayList<>());
    StateRules.applyFlowRunState(this, row, PrefectStates.scheduled("Flow run scheduled.", start));
    return id;
  }

  String createTaskRun(String flowRunId, String stateType, Instant stateStart) {
    Map<String, Object> flowRun = flowRuns.get(flowRunId);
    if (flowRun == null) {
      throw new IllegalArgumentException("no flow run " + flowRunId);
    }
    Map<String, Object> row = row(newId());
    row.put("tenant_id", flowRun.get("tenant_id"));
    row.put("flow_run_id", flowRunId);
    row.put("task_id", newId());
    row.put("map_index", -1);
    row.put("name", null);
    for (String column :
        List.of(
            "cache_key",
            "heartbeat",
            "start_time",
            "end_time",
            "state",
            "serialized_state",
            "state_start_time",
            "state_timestamp",
            "state_message",
            "state_result")) {
      row.put(column, null);
    }
    row.put("version", 0);
    taskRuns.put((String) row.get("id"), row);
    ObjectNode state = PrefectStates.scheduled(stateType + " task run.", stateStart);
    state.put("type", stateType);
    if (stateStart == null) {
      state.remove("start_time");
    }
    StateRules.applyTaskRunState(this, row, state);
    return (String) row.get("id");
  }

  /** Inserts a log row (columns as in the server's {@code log} table) and its record. */
  void addLog(LogRecord record) {
    logs.add(record);
    Map<String, Object> row = new LinkedHashMap<>();
    String id = newId();
    row.put("id", id);
    row.put("tenant_id", null);
    row.put("flow_run_id", record.flowRunId());
    row.put("task_run_id", record.taskRunId());
    row.put("timestamp", record.timestamp());
    row.put("name", record.name());
    row.put("level", record.level());
    row.put("message", record.message());
    row.put("info", record.info());
    row.put("is_loaded_from_archive", null);
    logRows.put(id, row);
  }

  static ArrayNode sortedLabels(List<String> labels) {
    ArrayNode array = MAPPER.createArrayNode();
    (labels == null ? List.<String>of() : labels).stream().distinct().sorted().forEach(array::add);
    return array;
  }

  static List<String> labelList(Object labels) {
    List<String> list = new ArrayList<>();
    if (labels instanceof JsonNode node) {
      node.forEach(label -> list.add(label.asText()));
    }
    return list;
  }

  Map<String, Map<String, Object>> table(String name) {
    return switch (name) {
      case "tenant" -> tenants;
      case "flow" -> flows;
      case "flow_run" -> flowRuns;
      case "task_run" -> taskRuns;
      case "agent" -> agents;
      case "log" -> logRows;
      default -> throw new IllegalArgumentException("no table " + name);
    };
  }

  /** Snapshots of a table's rows (safe to read outside the lock). */
  List<Map<String, Object>> rows(String table) {
    List<Map<String, Object>> copies = new ArrayList<>();
    table(table).values().forEach(row -> copies.add(new LinkedHashMap<>(row)));
    return copies;
  }

  /** Relationship {@code field} of {@code row}, or null when it is a column. */
  HasuraQuery.Relation relation(String table, Map<String, Object> row, String field) {
    return switch (table + "." + field) {
      case "flow_run.flow" -> object("flow", row.get("flow_id"));
      case "flow_run.agent" -> object("agent", row.get("agent_id"));
      case "flow_run.tenant", "flow.tenant", "task_run.tenant" ->
          object("tenant", row.get("tenant_id"));
      case "task_run.flow_run" -> object("flow_run", row.get("flow_run_id"));
      case "flow_run.task_runs" -> array("task_run", "flow_run_id", row.get("id"));
      case "flow.flow_runs" -> array("flow_run", "flow_id", row.get("id"));
      case "agent.flow_runs" -> array("flow_run", "agent_id", row.get("id"));
      default -> null;
    };
  }

  private HasuraQuery.Relation object(String table, Object id) {
    Map<String, Object> target = id == null ? null : table(table).get(id.toString());
    return new HasuraQuery.Relation(table, target == null ? null : new LinkedHashMap<>(target));
  }

  private HasuraQuery.Relation array(String table, String column, Object id) {
    List<Map<String, Object>> related = new ArrayList<>();
    for (Map<String, Object> candidate : table(table).values()) {
      if (id != null && id.equals(candidate.get(column))) {
        related.add(new LinkedHashMap<>(candidate));
      }
    }
    return new HasuraQuery.Relation(table, related);
  }
}
