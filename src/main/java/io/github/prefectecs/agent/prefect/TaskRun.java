package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A task run of a flow run, as the metadata query returns it.
 *
 * @param id task run id
 * @param version task run version
 * @param taskId task id
 * @param serializedState its current serialized state (may be null)
 */
public record TaskRun(String id, int version, String taskId, JsonNode serializedState) {
  public TaskRun {
    Objects.requireNonNull(id, "id");
  }
}
