package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the forwarder knows of one task's stream: where it is, how far it was read, the event ids
 * already forwarded (only those inside the look-back window, so memory stays bounded), the last
 * lines, and whether the task stopped.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class FollowedTask {
  /** A clock skew allowance: the first read starts this long before the task was started. */
  static final long START_SLACK_MILLIS = 60_000;

  private static final int MAX_SEEN = 50_000;

  final TaskStart start;
  private StreamSource source;
  private String stream;
  private boolean unreadable;
  private long cursor;
  private long pendingCursor;
  private final Map<String, Long> seen = new LinkedHashMap<>();
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final int tailLines;
  private final PrefectLines prefectLines = new PrefectLines();
  private TaskStop stop;
  private long stopHeardAt;
  private long lastNewEventAt;
  private boolean readSinceStop;
  private long lastSentMillis = Long.MIN_VALUE;
  private int sameMillis;
  private long newestTimestamp = Long.MIN_VALUE;

  FollowedTask(TaskStart start, int tailLines) {
    this.start = start;
    this.tailLines = tailLines;
    this.cursor = initialCursor();
    this.pendingCursor = cursor;
  }

  private long initialCursor() {
    return start.startedAt().toEpochMilli() - START_SLACK_MILLIS;
  }

  String flowRunId() {
    return start.flowRunId();
  }

  void located(StreamSource found) {
    source = found;
    stream = found.streamOf(start.taskArn());
  }

  void unreadable() {
    unreadable = true;
  }

  boolean isUnreadable() {
    return unreadable;
  }

  boolean isLocated() {
    return source != null;
  }

  StreamSource source() {
    return source;
  }

  String stream() {
    return stream;
  }

  /** Reads start no earlier than {@code millis} (events before it are of no interest). */
  void skipTo(long millis) {
    if (millis > cursor) {
      cursor = millis;
      pendingCursor = millis;
    }
  }

  /** Where the next read of this stream starts: the newest event seen, minus the look-back. */
  long readFrom(long lookBackMillis) {
    return newestTimestamp == Long.MIN_VALUE ? cursor : cursor - lookBackMillis;
  }

  /** Returns whether {@code event} is new; if so, remembers it. */
  boolean accept(LogEvent event, long now) {
    if (seen.containsKey(event.eventId())) {
      return false;
    }
    if (seen.size() >= MAX_SEEN) {
      Iterator<String> oldest = seen.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    seen.put(event.eventId(), event.timestamp());
    pendingCursor = Math.max(pendingCursor, event.timestamp());
    newestTimestamp = Math.max(newestTimestamp, event.timestamp());
    lastNewEventAt = now;
    tail.addLast(event.message());
    if (tail.size() > tailLines) {
      tail.removeFirst();
    }
    return true;
  }

  /** Whether the flow's own Prefect logger already sent this line (call once per new line). */
  boolean alreadySentByPrefect(String message) {
    return prefectLines.alreadySent(message);
  }

  /**
   * The Prefect timestamp of a line: its CloudWatch millisecond, plus one microsecond per earlier
   * line of the same millisecond, so that ordering by timestamp keeps the stream's order.
   */
  Instant timestampOf(LogEvent event) {
    long millis = event.timestamp();
    sameMillis = millis == lastSentMillis ? Math.min(sameMillis + 1, 999) : 0;
    lastSentMillis = millis;
    return Instant.ofEpochMilli(millis).plusNanos(sameMillis * 1_000L);
  }

  /** A read of the stream finished: commit the cursor and forget ids outside the window. */
  void readDone(long lookBackMillis, long now) {
    cursor = pendingCursor;
    if (stop != null) {
      readSinceStop = true;
    }
    long forgetBefore = cursor - 2 * lookBackMillis;
    seen.values().removeIf(timestamp -> timestamp < forgetBefore);
  }

  void stopped(TaskStop stopped, long now) {
    if (stop == null) {
      stop = stopped;
      stopHeardAt = now;
      readSinceStop = false;
    }
  }

  boolean isStopped() {
    return stop != null;
  }

  TaskStop stop() {
    return stop;
  }

  long stopHeardAt() {
    return stopHeardAt;
  }

  /** Stopped, read at least once since, and silent for {@code quietMillis}. */
  boolean quietSinceStop(long now, long quietMillis) {
    return stop != null
        && readSinceStop
        && now - Math.max(stopHeardAt, lastNewEventAt) >= quietMillis;
  }

  List<String> tail() {
    return new ArrayList<>(tail);
  }

  /** The newest CloudWatch timestamp read, or {@code Long.MIN_VALUE} when none. */
  long newestTimestamp() {
    return newestTimestamp;
  }
}
