package io.github.prefectecs.agent.prefect.server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Python service's agent-facing mutations other than states: {@code register_agent}, {@code
 * get_runs_in_queue}, {@code write_run_logs}. Callers hold the store's lock.
 */
final class QueueRules {
  static final Set<String> SCHEDULED_STATES =
      Set.of("Scheduled", "Paused", "Queued", "Resume", "Retrying");
  static final int RETURNED_LIMIT = 25;
  static final int CANDIDATE_LIMIT = 3 * RETURNED_LIMIT;

  private QueueRules() {}

  @SuppressWarnings("unchecked")
  static String registerAgent(ServerStore store, Map<String, Object> input, String coreVersion) {
    String tenantId = (String) input.get("tenant_id");
    if (tenantId == null) {
      throw new ResolverException("No tenant found.");
    }
    if (!store.tenants.containsKey(tenantId) || input.get("agent_config_id") != null) {
      throw new ResolverException("Foreign key violation.");
    }
    String name = (String) input.get("name");
    String type = (String) input.get("type");
    var labels = ServerStore.sortedLabels((List<String>) input.get("labels"));
    for (Map<String, Object> agent : store.agents.values()) {
      // Hasura v1 drops comparisons with null: a null name or core version matches anything
      boolean same =
          tenantId.equals(agent.get("tenant_id"))
              && (name == null || name.equals(agent.get("name")))
              && type.equals(agent.get("type"))
              && (coreVersion == null || coreVersion.equals(agent.get("core_version")))
              && labels.equals(agent.get("labels"));
      if (same) {
        return (String) agent.get("id");
      }
    }
    String id = ServerStore.newId();
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("id", id);
    row.put("created", store.now());
    row.put("updated", store.now());
    row.put("tenant_id", tenantId);
    row.put("agent_config_id", null);
    row.put("name", name);
    row.put("type", type);
    row.put("core_version", coreVersion);
    row.put("labels", labels);
    row.put("last_queried", store.now());
    store.agents.put(id, row);
    return id;
  }

  @SuppressWarnings("unchecked")
  static List<String> runsInQueue(ServerStore store, Map<String, Object> input, String agentId) {
    if (input.containsKey("labels") && input.get("labels") == null) {
      throw new ResolverException("'NoneType' object has no attribute 'sort'");
    }
    Set<String> agentLabels =
        new HashSet<>(input.get("labels") == null ? List.of() : (List<String>) input.get("labels"));
    String tenantId = (String) input.get("tenant_id");
    Instant before = input.get("before") == null ? store.now() : (Instant) input.get("before");
    List<Map<String, Object>> candidates = new ArrayList<>();
    for (Map<String, Object> run : store.flowRuns.values()) {
      if (tenantId.equals(run.get("tenant_id")) && ready(store, run, before)) {
        candidates.add(run);
      }
    }
    candidates.sort(
        Comparator.comparing(
            (Map<String, Object> run) -> (Instant) run.get("state_start_time"),
            Comparator.nullsLast(Comparator.naturalOrder())));
    List<String> ids = new ArrayList<>();
    for (Map<String, Object> run :
        candidates.subList(0, Math.min(CANDIDATE_LIMIT, candidates.size()))) {
      Set<String> runLabels = new HashSet<>(ServerStore.labelList(run.get("labels")));
      boolean subset = agentLabels.containsAll(runLabels);
      boolean labelled = !runLabels.isEmpty() || agentLabels.isEmpty();
      if (subset && labelled && ids.size() < RETURNED_LIMIT) {
        ids.add((String) run.get("id"));
      }
    }
    if (agentId != null) {
      String id;
      try {
        id = ServerScalars.uuid(agentId);
      } catch (IllegalArgumentException e) {
        throw new ResolverException(
            "[{'extensions': {'path': '$', 'code': 'data-exception'}, 'message': 'invalid input"
                + " syntax for type uuid: \""
                + agentId
                + "\"'}]");
      }
      Map<String, Object> agent = store.agents.get(id);
      if (agent != null) {
        agent.put("last_queried", store.now());
      }
    }
    return ids;
  }

  private static boolean ready(ServerStore store, Map<String, Object> run, Instant before) {
    Instant start = (Instant) run.get("state_start_time");
    if (SCHEDULED_STATES.contains(run.get("state"))) {
      return start != null && !start.isAfter(before);
    }
    if (!"Running".equals(run.get("state"))) {
      return false;
    }
    for (Map<String, Object> task : store.taskRuns.values()) {
      Instant taskStart = (Instant) task.get("state_start_time");
      if (Objects.equals(run.get("id"), task.get("flow_run_id"))
          && SCHEDULED_STATES.contains(task.get("state"))
          && taskStart != null
          && !taskStart.isAfter(before)) {
        return true;
      }
    }
    return false;
  }

  static void writeRunLogs(ServerStore store, List<Map<String, Object>> logs) {
    for (Map<String, Object> log : logs) {
      Object taskRunId = log.get("task_run_id");
      if (!store.flowRuns.containsKey((String) log.get("flow_run_id"))
          || (taskRunId != null && !store.taskRuns.containsKey((String) taskRunId))) {
        throw new ResolverException("Foreign key violation.");
      }
    }
    for (Map<String, Object> log : logs) {
      store.addLog(
          new LogRecord(
              (String) log.get("flow_run_id"),
              (String) log.get("task_run_id"),
              log.get("level") == null ? "INFO" : log.get("level").toString(),
              (String) log.get("message"),
              (String) log.get("name"),
              log.get("timestamp") == null ? store.now() : (Instant) log.get("timestamp"),
              (com.fasterxml.jackson.databind.JsonNode) log.get("info")));
    }
  }
}
