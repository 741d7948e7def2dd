package io.github.prefectecs.agent.logs;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Learns by name which streams not known to exist do, when reading their source by prefix costs too
 * much: reads naming the oldest of them (the likeliest to exist), as many a call as the source's
 * probe size. A read that succeeds makes every stream it names known (CloudWatch would have refused
 * it otherwise) and doubles the size; one refused because a named stream is missing is split in
 * halves, probed again at once, until the missing names are alone; a missing stream alone is probed
 * again after a backoff, and nothing before the look-back can be missed in it (it holds no event).
 * At most the set's budget of calls a sweep.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class Probing {
  /** What the forwarder does with a probe's outcome beyond existence. */
  interface Outcomes {
    void ok(ReadPlan.Read read, ReadRunner.Done done);

    /** A failure other than a missing stream; returns whether probing may go on. */
    boolean failed(ReadPlan.Read read, LogsException e);
  }

  private final ReadRunner runner;
  private final Clock clock;
  private final long lookBackMillis;
  private final Map<String, Integer> sizes = new HashMap<>();

  Probing(ReadRunner runner, Clock clock, long lookBackMillis) {
    this.runner = runner;
    this.clock = clock;
    this.lookBackMillis = lookBackMillis;
  }

  /** Probes {@code set}; returns false when the sweep should stop (no time, no room, throttled). */
  boolean probe(
      ReadPlan.ProbeSet set,
      BiConsumer<StreamState, LogEvent> fresh,
      BooleanSupplier mayGoOn,
      Outcomes outcomes) {
    List<StreamState> due = set.oldestFirst();
    Deque<List<StreamState>> split = new ArrayDeque<>();
    int next = 0;
    for (int calls = 0; calls < set.budget(); calls++) {
      if (!mayGoOn.getAsBoolean()) {
        return false;
      }
      List<StreamState> chunk;
      boolean first = split.isEmpty();
      if (!split.isEmpty()) {
        chunk = split.pollFirst();
      } else if (next < due.size()) {
        int size = sizes.getOrDefault(set.source(), LogsApi.MAX_STREAMS_PER_CALL);
        chunk = due.subList(next, Math.min(due.size(), next + size));
        next += chunk.size();
      } else {
        return true;
      }
      ReadPlan.Read read =
          new ReadPlan.Read(
              ReadPlan.Kind.PROBE, set.group(), set.prefix(), chunk, chunk.get(0).windowStart());
      ReadRunner.Outcome outcome = runner.run(read, fresh, mayGoOn);
      if (outcome instanceof ReadRunner.Done done) {
        if (first) {
          sizes.merge(
              set.source(),
              LogsApi.MAX_STREAMS_PER_CALL,
              (a, b) -> Math.min(b, Math.max(2, a * 2)));
        }
        outcomes.ok(read, done);
      } else if (outcome instanceof ReadRunner.Failed failed
          && failed.error().kind() == LogsException.Kind.STREAM_NOT_FOUND) {
        if (first) {
          sizes.put(set.source(), Math.max(1, chunk.size() / 2));
        }
        if (chunk.size() == 1) {
          long now = clock.millis();
          chunk.get(0).skipTo(now - lookBackMillis);
          chunk.get(0).probeRefused(now);
        } else {
          int half = chunk.size() / 2;
          split.addFirst(chunk.subList(half, chunk.size()));
          split.addFirst(chunk.subList(0, half));
        }
      } else if (outcome instanceof ReadRunner.Failed failed) {
        return outcomes.failed(read, failed.error());
      } else {
        return false;
      }
    }
    return true;
  }
}
