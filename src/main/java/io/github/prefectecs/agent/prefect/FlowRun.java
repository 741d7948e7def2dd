package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A flow run as the agent's metadata query returns it.
 *
 * @param id flow run id
 * @param version flow run version read with this record
 * @param state current state class name, e.g. {@code Scheduled}
 * @param serializedState current serialized state; may be null
 * @param parameters run parameters; may be null
 * @param scheduledStartTime scheduled start; may be null
 * @param runConfig serialized run config (e.g. {@code {"type":"ECSRun", ...}}); may be null
 * @param name run name; may be null
 * @param flow the run's flow
 * @param taskRuns task runs whose state started before the query's cut-off
 */
public record FlowRun(
    String id,
    int version,
    String state,
    JsonNode serializedState,
    JsonNode parameters,
    Instant scheduledStartTime,
    JsonNode runConfig,
    String name,
    Flow flow,
    List<TaskRun> taskRuns) {
  public FlowRun {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(flow, "flow");
    taskRuns = List.copyOf(taskRuns);
  }
}
