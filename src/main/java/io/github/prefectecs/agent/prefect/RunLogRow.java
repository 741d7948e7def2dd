package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * A row of the server's {@code log} table as log queries return it (the message is not read).
 *
 * @param id the row id
 * @param flowRunId the flow run
 * @param timestamp the log's timestamp
 * @param level its level
 * @param info its {@code info} JSON; null when none
 */
public record RunLogRow(
    String id, String flowRunId, Instant timestamp, String level, JsonNode info) {
  public RunLogRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(flowRunId, "flowRunId");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
