package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import java.time.Instant;
import java.util.List;

/** The ERROR run log of an abnormal stop: the cause and the container's last lines. Stateless. */
final class StopEvidence {
  /** The longest line the log quotes in full. */
  static final int MAX_QUOTED_LINE = 2_000;

  /** What is known of the stream when the task is let go. */
  enum Stream {
    /** Read: lines were taken, or it is empty. */
    READ,
    /** CloudWatch said it does not exist: the container never started. */
    NEVER_CREATED,
    /** Its group refused reads. */
    REFUSED
  }

  private StopEvidence() {}

  /**
   * The message of the log for a task let go after an abnormal stop, or null when there is none to
   * write (a clean stop, a stream that could not be located, one already written).
   *
   * @param refusal why its group could not be read, for {@link Stream#REFUSED}
   */
  static String message(StreamState task, Stream stream, String refusal) {
    TaskStop stop = task.stop();
    if (stop == null || !stop.abnormal() || !task.isLocated() || task.stopWritten()) {
      return null;
    }
    String cause = stop.cause() == null ? "abnormal stop" : stop.cause();
    String where = "CloudWatch " + task.source().group() + " " + task.stream();
    List<String> tail = task.tail();
    if (stream == Stream.REFUSED) {
      return "The flow task stopped ("
          + cause
          + "); its output in "
          + where
          + " could not be read: "
          + refusal;
    }
    if (!tail.isEmpty()) {
      return "The flow task stopped ("
          + cause
          + "); its last "
          + tail.size()
          + " line(s) of output ("
          + where
          + "):\n"
          + String.join("\n", tail);
    }
    if (stream == Stream.NEVER_CREATED) {
      return "The flow task stopped ("
          + cause
          + ") before its container wrote anything: "
          + where
          + " was never created";
    }
    if (task.newestTimestamp() != StreamState.NEVER) {
      return "The flow task stopped ("
          + cause
          + "); its output ("
          + where
          + ") is in the lines above, written before the agent restarted";
    }
    return "The flow task stopped (" + cause + ") and printed nothing to " + where;
  }

  /** After the last line, so that ordering by timestamp puts it at the end. */
  static Instant timestamp(StreamState task) {
    long newest = task.newestTimestamp() == StreamState.NEVER ? 0 : task.newestTimestamp();
    return Instant.ofEpochMilli(Math.max(task.stop().stoppedAt().toEpochMilli(), newest) + 1);
  }
}
