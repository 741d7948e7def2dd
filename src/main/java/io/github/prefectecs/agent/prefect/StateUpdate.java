package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One state to set on a flow run or a task run.
 *
 * @param runId flow run id (for flow run states) or task run id (for task run states)
 * @param version the run's version as last read, or null
 * @param state the serialized Prefect state, e.g. {@code {"type":"Submitted", ...}}
 */
public record StateUpdate(String runId, Integer version, JsonNode state) {
  public StateUpdate {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(state, "state");
  }
}
