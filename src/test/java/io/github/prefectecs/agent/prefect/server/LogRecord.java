package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A row of the double's {@code log} table.
 *
 * @param flowRunId flow run
 * @param taskRunId task run or null
 * @param level DEBUG, INFO, WARNING, ERROR or CRITICAL
 * @param message the text (may be null)
 * @param name the logger name (may be null)
 * @param timestamp the sent timestamp, or the server's now
 * @param info the {@code info} JSON or null
 */
public record LogRecord(
    String flowRunId,
    String taskRunId,
    String level,
    String message,
    String name,
    Instant timestamp,
    JsonNode info) {}
