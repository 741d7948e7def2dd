package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * Who holds a flow run now: its current state and the agent recorded with its last Submitted state.
 *
 * @param id flow run id
 * @param state current state type, e.g. {@code Submitted}; may be null
 * @param version current version
 * @param agentId the agent that submitted it, or null
 * @param serializedState the current serialized state (its message, a nested previous state); may
 *     be null
 * @param name the run's name; may be null
 * @param flowName its flow's name; may be null
 * @param openTaskRuns its task runs not in a finished state, when they were asked for (else empty)
 */
public record FlowRunStatus(
    String id,
    String state,
    int version,
    String agentId,
    JsonNode serializedState,
    String name,
    String flowName,
    List<TaskRun> openTaskRuns) {
  public FlowRunStatus {
    Objects.requireNonNull(id, "id");
    openTaskRuns = openTaskRuns == null ? List.of() : List.copyOf(openTaskRuns);
  }

  /** A status without its task runs. */
  public FlowRunStatus(
      String id,
      String state,
      int version,
      String agentId,
      JsonNode serializedState,
      String name,
      String flowName) {
    this(id, state, version, agentId, serializedState, name, flowName, List.of());
  }

  /** A status without the serialized state and names. */
  public FlowRunStatus(String id, String state, int version, String agentId) {
    this(id, state, version, agentId, null, null, null);
  }

  /** A status without names. */
  public FlowRunStatus(
      String id, String state, int version, String agentId, JsonNode serializedState) {
    this(id, state, version, agentId, serializedState, null, null);
  }

  /** This status with {@code taskRuns} as its open task runs. */
  public FlowRunStatus withOpenTaskRuns(List<TaskRun> taskRuns) {
    return new FlowRunStatus(
        id, state, version, agentId, serializedState, name, flowName, taskRuns);
  }
}
