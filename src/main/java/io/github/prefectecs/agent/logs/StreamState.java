package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import java.time.Instant;
import java.util.List;

/**
 * What the forwarder knows of one task's stream: where it is, from where its next read starts (its
 * window: every event before it is either written or older than the look-back), the exact event ids
 * taken since then, whether the stream is known to exist, its last lines, and whether the task
 * stopped.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class StreamState {
  /**
   * A clock skew allowance: a stream of which nothing was written is read from this long before its
   * task was created.
   */
  static final long START_SLACK_MILLIS = 60_000;

  static final long NEVER = Long.MIN_VALUE;

  final TaskStart start;
  private StreamSource source;
  private String stream;
  private boolean unreadable;
  private boolean positioned;
  private final SeenEvents seen = new SeenEvents();
  private boolean known;
  private long probeAt;
  private int probeRefusals;
  private final Tail tail;
  private final PrefectLines prefectLines = new PrefectLines();
  private long lastSentMillis = NEVER;
  private int sameMillis;
  private long newestTimestamp = NEVER;
  private long lines;
  private TaskStop stop;
  private long stopHeardAt;
  private long lastNewEventAt = NEVER;
  private boolean readSinceStop;
  private boolean stopWritten;
  private long refusedSince = NEVER;

  StreamState(TaskStart start, int tailLines) {
    this.start = start;
    this.tail = new Tail(tailLines);
  }

  String flowRunId() {
    return start.flowRunId();
  }

  // ---- where ----

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

  // ---- how far ----

  boolean isPositioned() {
    return positioned;
  }

  /** Nothing of this stream is in the run's logs: read from the task's creation on. */
  void positionAtStart() {
    Instant anchor = start.startedAt();
    if (start.createdAt() != null && start.createdAt().isBefore(anchor)) {
      anchor = start.createdAt();
    }
    seen.raiseFloor(anchor.toEpochMilli() - START_SLACK_MILLIS);
    positioned = true;
  }

  /** The run's logs hold lines of this stream: resume after them. */
  void positionAt(RunLogPositions.Position position) {
    seen.raiseFloor(position.resumeFrom());
    for (RunLogPositions.Delivered d : position.delivered()) {
      seen.take(d.eventId(), d.timestamp());
    }
    if (position.newest() != null) {
      long millis = position.newest().toEpochMilli();
      lastSentMillis = millis;
      sameMillis = position.newest().getNano() / 1_000 % 1_000;
      newestTimestamp = Math.max(newestTimestamp, millis);
    }
    known = known || !position.delivered().isEmpty();
    stopWritten = position.stopWritten();
    positioned = true;
  }

  /** Where the next read of this stream starts (milliseconds). */
  long windowStart() {
    return seen.floor();
  }

  /** Reads start no earlier than {@code millis} (events before it are of no interest). */
  void skipTo(long millis) {
    seen.raiseFloor(millis);
  }

  /** A read that began at {@code readAt} saw everything up to it: keep only the look-back. */
  void readDone(long readAt, long lookBackMillis) {
    seen.raiseFloor(readAt - lookBackMillis);
    if (stop != null && readAt >= stopHeardAt) {
      readSinceStop = true;
    }
  }

  SeenEvents seen() {
    return seen;
  }

  // ---- whether it exists ----

  /** Whether the stream is known to exist: an event was seen, or a read naming it succeeded. */
  boolean isKnown() {
    return known;
  }

  void known() {
    known = true;
    probeAt = 0;
    probeRefusals = 0;
  }

  /** Whether a probe by name may name it now. */
  boolean probeDue(long now) {
    return now >= probeAt;
  }

  /**
   * A probe naming it alone was refused: it does not exist now. Probed again after 5 s, doubling up
   * to 30 s.
   */
  void probeRefused(long now) {
    probeAt = now + Math.min(8_000L, 2_000L << Math.min(probeRefusals, 3));
    probeRefusals++;
  }

  /** A read naming it was refused because a named stream does not exist. */
  void notKnown() {
    known = false;
  }

  // ---- what was read ----

  /** Takes {@code event} if it is new; returns whether it was. */
  boolean accept(LogEvent event, long now, long tailChars) {
    if (!seen.take(event.eventId(), event.timestamp())) {
      return false;
    }
    known = true;
    lastNewEventAt = now;
    lines++;
    newestTimestamp = Math.max(newestTimestamp, event.timestamp());
    tail.add(event.message(), tailChars);
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

  /** Lines taken from CloudWatch by this forwarder. */
  long linesTaken() {
    return lines;
  }

  List<String> tail() {
    return tail.lines();
  }

  Tail tailLines() {
    return tail;
  }

  /** The newest CloudWatch timestamp taken or written, or {@link #NEVER}. */
  long newestTimestamp() {
    return newestTimestamp;
  }

  /**
   * An estimate of the heap this state holds beyond its fixed part (about 1 KiB: names, the start
   * event, counters), for the memory budget: the event ids of the look-back and the last lines.
   */
  long bytes() {
    return seen.bytes() + tail.bytes();
  }

  // ---- stop ----

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

  /** Whether the ERROR log of this task's abnormal stop is already in the run's logs. */
  boolean stopWritten() {
    return stopWritten;
  }

  void stopWrittenNow() {
    stopWritten = true;
  }

  // ---- refusal ----

  /** Since when its group refuses reads, or {@link #NEVER}. */
  long refusedSince() {
    return refusedSince;
  }

  void refused(long now) {
    if (refusedSince == NEVER) {
      refusedSince = now;
    }
  }

  void readable() {
    refusedSince = NEVER;
  }
}
