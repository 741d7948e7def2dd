package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import java.time.Instant;
import java.util.List;

/** The ERROR run log of an abnormal stop: the cause and the container's last lines. Stateless. */
final class StopEvidence {
  /** The longest line the log quotes in full. */
  static final int MAX_QUOTED_LINE = 2_000;

  private StopEvidence() {}

  /**
   * The log for a task that was let go; null when it stopped cleanly or its stream could not be
   * found (then the run's Failed message carries the cause alone).
   */
  static LogEntry of(FollowedTask task, String loggerName) {
    TaskStop stop = task.stop();
    if (stop == null || !stop.abnormal() || !task.isLocated()) {
      return null;
    }
    String cause = stop.cause() == null ? "abnormal stop" : stop.cause();
    String where = "CloudWatch " + task.source().group() + " " + task.stream();
    List<String> tail =
        task.tail().stream()
            .map(l -> l.length() <= MAX_QUOTED_LINE ? l : l.substring(0, MAX_QUOTED_LINE) + "...")
            .toList();
    String message =
        tail.isEmpty()
            ? "The flow task stopped (" + cause + ") and printed nothing to " + where
            : "The flow task stopped ("
                + cause
                + "); its last "
                + tail.size()
                + " line(s) of output ("
                + where
                + "):\n"
                + String.join("\n", tail);
    // After the last line, so that ordering by timestamp puts it at the end.
    long newest = task.newestTimestamp() == Long.MIN_VALUE ? 0 : task.newestTimestamp();
    long at = Math.max(stop.stoppedAt().toEpochMilli(), newest) + 1;
    return new LogEntry(task.flowRunId(), loggerName, "ERROR", message, Instant.ofEpochMilli(at));
  }
}
