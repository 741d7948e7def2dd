package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The double's tables (rows are maps keyed by the schema's column names), their Hasura
 * relationships and the database triggers the server relies on. Callers synchronise on the store.
 */
final class ServerStore {
  static final ObjectMapper MAPPER = new ObjectMapper();

  final Clock clock;
  final Map<String, Map<String, Object>> tenants = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> flows = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> flowRuns = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> taskRuns = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> agents = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> projects = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> tasks = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> flowGroups = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> edges = new LinkedHashMap<>();
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

  Map<String, Object> row(String id) {
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

  /** A project row; the caller checks that the name is free in the tenant. */
  String createProject(String tenantId, String name, String description) {
    Map<String, Object> row = row(newId());
    row.put("tenant_id", tenantId);
    row.put("name", name);
    row.put("description", description);
    projects.put((String) row.get("id"), row);
    return (String) row.get("id");
  }

  /** The project named {@code name} in the tenant, or null. */
  Map<String, Object> project(String tenantId, String name) {
    for (Map<String, Object> project : projects.values()) {
      if (Objects.equals(tenantId, project.get("tenant_id")) && name.equals(project.get("name"))) {
        return project;
      }
    }
    return null;
  }

  /** A flow group row as {@code create_flow} inserts it for a new version group. */
  String createFlowGroup(String tenantId, String name, String idempotencyKey) {
    Map<String, Object> row = row(newId());
    row.put("tenant_id", tenantId);
    row.put("name", name);
    row.put("labels", null);
    row.put("schedule", null);
    ObjectNode settings = MAPPER.createObjectNode();
    settings.put("heartbeat_enabled", true);
    settings.put("lazarus_enabled", true);
    settings.put("version_locking_enabled", false);
    settings.put("idempotency_key", idempotencyKey);
    row.put("settings", settings);
    row.put("default_parameters", MAPPER.createObjectNode());
    row.put("run_config", null);
    row.put("description", null);
    flowGroups.put((String) row.get("id"), row);
    return (String) row.get("id");
  }

  /**
   * A new flow run row of {@code flow} with the columns' defaults (no name, labels, parameters or
   * run config, no state), not inserted yet.
   */
  Map<String, Object> flowRunRow(Map<String, Object> flow, Instant scheduledStart) {
    Map<String, Object> row = row(newId());
    row.put("tenant_id", flow.get("tenant_id"));
    row.put("flow_id", flow.get("id"));
    row.put("name", null);
    row.put("parameters", MAPPER.createObjectNode());
    row.put("context", MAPPER.createObjectNode());
    row.put("labels", MAPPER.createArrayNode());
    row.put("run_config", null);
    row.put("scheduled_start_time", scheduledStart);
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
    return row;
  }

  /**
   * Inserts a flow run row, and one Pending task run per task of its flow as the database trigger
   * {@code insert_task_runs_after_flow_run_insert} does.
   */
  void insertFlowRun(Map<String, Object> run) {
    String id = (String) run.get("id");
    flowRuns.put(id, run);
    flowRunHistory.put(id, new ArrayList<>());
    for (Map<String, Object> task : List.copyOf(tasks.values())) {
      if (task.get("flow_id").equals(run.get("flow_id"))) {
        Map<String, Object> taskRun = insertTaskRun(run.get("tenant_id"), id, task, -1);
        // the trigger's state row: minimal JSON, version 1 (the column default)
        ObjectNode pending = MAPPER.createObjectNode();
        pending.put("type", "Pending");
        pending.put("message", "Task run created");
        StateRules.applyTaskRunState(this, taskRun, pending);
      }
    }
  }

  /** A task run row without a state yet (version 0). */
  Map<String, Object> insertTaskRun(
      Object tenantId, String flowRunId, Map<String, Object> task, int mapIndex) {
    Map<String, Object> row = row(newId());
    row.put("tenant_id", tenantId);
    row.put("flow_run_id", flowRunId);
    row.put("task_id", task.get("id"));
    row.put("map_index", mapIndex);
    row.put("name", null);
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
            "state_result")) {
      row.put(column, null);
    }
    row.put("cache_key", task.get("cache_key"));
    row.put("version", 0);
    taskRuns.put((String) row.get("id"), row);
    return row;
  }

  /** A task row of {@code flowId} with the columns {@code register_tasks} leaves at defaults. */
  Map<String, Object> insertTask(Object tenantId, String flowId, String id) {
    Map<String, Object> row = row(id);
    row.put("tenant_id", tenantId);
    row.put("flow_id", flowId);
    for (String column :
        List.of("name", "slug", "description", "type", "retry_delay", "trigger", "cache_key")) {
      row.put(column, null);
    }
    row.put("max_retries", 0);
    row.put("tags", MAPPER.createArrayNode());
    for (String column :
        List.of(
            "mapped", "auto_generated", "is_root_task", "is_terminal_task", "is_reference_task")) {
      row.put(column, false);
    }
    tasks.put(id, row);
    return row;
  }

  /** {@code api.runs.delete_flow_run}: the run with its task runs. */
  void deleteFlowRun(String flowRunId) {
    taskRuns.values().removeIf(taskRun -> flowRunId.equals(taskRun.get("flow_run_id")));
    flowRuns.remove(flowRunId);
    flowRunHistory.remove(flowRunId);
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
      case "project" -> projects;
      case "task" -> tasks;
      case "flow_group" -> flowGroups;
      case "edge" -> edges;
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
      case "flow_run.tenant", "flow.tenant", "task_run.tenant", "project.tenant" ->
          object("tenant", row.get("tenant_id"));
      case "flow.project" -> object("project", row.get("project_id"));
      case "task_run.task" -> object("task", row.get("task_id"));
      case "task.flow" -> object("flow", row.get("flow_id"));
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
