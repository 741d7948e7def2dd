package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One run log line for {@code write_run_logs}.
 *
 * @param flowRunId the flow run it belongs to
 * @param name logger name (the agent's name)
 * @param level DEBUG, INFO, WARNING, ERROR or CRITICAL
 * @param message the text
 * @param timestamp when it happened; null lets the server use its own clock
 * @param info the log's {@code info} JSON (queryable later); null for none
 */
public record LogEntry(
    String flowRunId, String name, String level, String message, Instant timestamp, JsonNode info) {
  public LogEntry {
    Objects.requireNonNull(flowRunId, "flowRunId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(message, "message");
  }

  /** A log without {@code info}. */
  public LogEntry(String flowRunId, String name, String level, String message, Instant timestamp) {
    this(flowRunId, name, level, message, timestamp, null);
  }
}
