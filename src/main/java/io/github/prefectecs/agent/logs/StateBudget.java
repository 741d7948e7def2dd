package io.github.prefectecs.agent.logs;

import java.time.Clock;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the streams' state within its byte budget: a quarter of it for the last lines (each
 * stream's share, at most 4,096 and at least 200 characters), the rest for the event ids of the
 * look-back. (Each followed task also takes about 1 KiB that no budget can shrink.) Over budget,
 * the largest id sets forget their older half: their windows move up, so an event arriving later
 * than that is ignored rather than taken twice. Each time is counted, with one WARN a minute.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class StateBudget {
  private static final Logger LOG = LoggerFactory.getLogger(StateBudget.class);
  private static final long MAX_TAIL_CHARS = 4_096;

  private final long bytes;
  private final Clock clock;
  private long narrowed;
  private long lastWarning = Long.MIN_VALUE;
  private long lastTotal;

  StateBudget(long bytes, Clock clock) {
    this.bytes = bytes;
    this.clock = clock;
  }

  /** The characters of last lines each of {@code streams} streams may keep. */
  long tailChars(int streams) {
    return Math.max(200, Math.min(MAX_TAIL_CHARS, bytes / 4 / Math.max(1, streams)));
  }

  void enforce(Collection<StreamState> states) {
    long total = 0;
    for (StreamState s : states) {
      total += s.bytes();
    }
    lastTotal = total;
    if (total <= bytes) {
      return;
    }
    PriorityQueue<StreamState> largest =
        new PriorityQueue<>(
            Comparator.comparingLong((StreamState s) -> s.seen().bytes()).reversed());
    largest.addAll(states);
    Set<StreamState> touched = new HashSet<>();
    while (total > bytes * 9 / 10 && !largest.isEmpty()) {
      StreamState s = largest.poll();
      if (s.seen().size() < 2) {
        continue; // nothing left to forget here
      }
      long before = s.bytes();
      s.seen().forgetOlderHalf();
      total -= before - s.bytes();
      narrowed++;
      touched.add(s);
      largest.add(s);
    }
    int streams = touched.size();
    lastTotal = total;
    long now = clock.millis();
    if (lastWarning == Long.MIN_VALUE || now - lastWarning >= 60_000) {
      lastWarning = now;
      LOG.warn(
          "Flow task log state is over its {} KiB budget: forgot the older event ids of {}"
              + " stream(s) ({} time(s) so far); events CloudWatch receives later than that are"
              + " not forwarded",
          bytes / 1024,
          streams,
          narrowed);
    }
  }

  /** How often a stream's ids were narrowed to stay within the budget. */
  long narrowed() {
    return narrowed;
  }

  /** The state's size at the last check, in bytes. */
  long lastTotal() {
    return lastTotal;
  }
}
