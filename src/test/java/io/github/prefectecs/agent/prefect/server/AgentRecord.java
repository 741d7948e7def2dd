package io.github.prefectecs.agent.prefect.server;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A row of the double's {@code agent} table.
 *
 * @param id agent id
 * @param name name (may be null)
 * @param type type, e.g. {@code ECSAgent}
 * @param labels sorted labels
 * @param lastQueried last {@code get_runs_in_queue} carrying this id (or the registration time)
 * @param coreVersion the {@code X-Prefect-Core-Version} header sent at registration, or null
 * @param tenantId tenant
 * @param agentConfigId agent config id or null
 */
public record AgentRecord(
    String id,
    String name,
    String type,
    List<String> labels,
    Instant lastQueried,
    String coreVersion,
    String tenantId,
    String agentConfigId) {
  public AgentRecord {
    labels = List.copyOf(labels);
  }

  /** The record of an {@code agent} row. */
  static AgentRecord of(Map<String, Object> row) {
    return new AgentRecord(
        (String) row.get("id"),
        (String) row.get("name"),
        (String) row.get("type"),
        ServerStore.labelList(row.get("labels")),
        (Instant) row.get("last_queried"),
        (String) row.get("core_version"),
        (String) row.get("tenant_id"),
        (String) row.get("agent_config_id"));
  }
}
