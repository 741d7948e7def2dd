package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

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

  /** Its state type, e.g. {@code Retrying}; null when unknown. */
  public String stateType() {
    return PrefectStates.typeOf(serializedState);
  }

  /** The start time of its state (a Retrying state's retry time, a Paused state's timeout). */
  public Optional<Instant> startTime() {
    return PrefectStates.startTime(serializedState);
  }
}
