package io.github.prefectecs.agent.prefect;

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
 */
public record LogEntry(
    String flowRunId, String name, String level, String message, Instant timestamp) {
  public LogEntry {
    Objects.requireNonNull(flowRunId, "flowRunId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(message, "message");
  }
}
