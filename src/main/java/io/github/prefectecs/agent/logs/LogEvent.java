package io.github.prefectecs.agent.logs;

import java.util.Objects;

/**
 * One CloudWatch Logs event as FilterLogEvents returns it.
 *
 * @param eventId unique per event; the same event read twice has the same id
 * @param streamName the stream it was written to
 * @param timestamp when it happened (milliseconds since the epoch), as the writer stamped it
 * @param ingestionTime when CloudWatch received it (milliseconds since the epoch)
 * @param message the line
 */
public record LogEvent(
    String eventId, String streamName, long timestamp, long ingestionTime, String message) {
  public LogEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(streamName, "streamName");
    message = message == null ? "" : message;
  }
}
