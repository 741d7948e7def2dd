package io.github.prefectecs.agent.prefect;

import java.util.List;
import java.util.Objects;

/**
 * What {@code register_agent} sends.
 *
 * @param type agent type, {@code ECSAgent}
 * @param name agent name
 * @param labels agent labels
 * @param tenantId tenant id
 * @param agentConfigId agent config id, or null
 */
public record AgentRegistration(
    String type, String name, List<String> labels, String tenantId, String agentConfigId) {
  public AgentRegistration {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    labels = List.copyOf(labels);
    Objects.requireNonNull(tenantId, "tenantId");
  }
}
