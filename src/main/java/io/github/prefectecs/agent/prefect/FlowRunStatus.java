package io.github.prefectecs.agent.prefect;

import java.util.Objects;

/**
 * Who holds a flow run now: its current state and the agent recorded with its last Submitted state.
 *
 * @param id flow run id
 * @param state current state type, e.g. {@code Submitted}; may be null
 * @param version current version
 * @param agentId the agent that submitted it, or null
 */
public record FlowRunStatus(String id, String state, int version, String agentId) {
  public FlowRunStatus {
    Objects.requireNonNull(id, "id");
  }
}
