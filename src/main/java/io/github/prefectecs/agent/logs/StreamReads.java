package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads up to 100 streams of one group with FilterLogEvents, page after page, each call paced by
 * the read bucket, from the earliest of the streams' cursors minus the look-back. New events (by
 * event id) go to a consumer; the streams' cursors move only once every page was read, so a read
 * that fails half-way is repeated whole (and de-duplicated) next time.
 *
 * <p>Not thread-safe: used by the forwarder's thread.
 */
final class StreamReads {
  private static final Logger LOG = LoggerFactory.getLogger(StreamReads.class);
  private final LogsApi logs;
  private final TokenBucket bucket;
  private final long lookBackMillis;
  private final Clock clock;
  private long calls;

  StreamReads(LogsApi logs, TokenBucket bucket, Duration lookBack, Clock clock) {
    this.logs = logs;
    this.bucket = bucket;
    this.lookBackMillis = lookBack.toMillis();
    this.clock = clock;
  }

  /**
   * Reads {@code chunk} (1 to 100 located tasks of {@code group}).
   *
   * @throws LogsException when a call fails (other than a missing stream or group)
   */
  void read(String group, List<FollowedTask> chunk, BiConsumer<FollowedTask, LogEvent> fresh) {
    long from = Long.MAX_VALUE;
    Map<String, FollowedTask> byStream = new HashMap<>();
    for (FollowedTask task : chunk) {
      from = Math.min(from, task.readFrom(lookBackMillis));
      byStream.put(task.stream(), task);
    }
    List<String> streams = List.copyOf(byStream.keySet());
    String token = null;
    do {
      acquire();
      FilterPage page;
      try {
        page = logs.filter(group, streams, from, token);
      } catch (LogsException e) {
        if (e.kind() == LogsException.Kind.THROTTLED) {
          // The read quota is per account: other agents may be reading too. Slow down.
          bucket.throttled();
        }
        if (e.kind() != LogsException.Kind.NOT_FOUND) {
          throw e;
        }
        // No stream written yet (or the group is missing): nothing to read this round.
        LOG.debug("{}", e.getMessage());
        page = new FilterPage(List.of(), null);
      } finally {
        calls++;
      }
      long now = clock.millis();
      for (LogEvent event : page.events()) {
        FollowedTask task = byStream.get(event.streamName());
        if (task != null && task.accept(event, now)) {
          fresh.accept(task, event);
        }
      }
      token = page.nextToken();
    } while (token != null);
    long now = clock.millis();
    chunk.forEach(task -> task.readDone(lookBackMillis, now));
  }

  /** FilterLogEvents calls made so far, pages included. */
  long calls() {
    return calls;
  }

  private void acquire() {
    try {
      bucket.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogsException(LogsException.Kind.TRANSIENT, "interrupted while waiting", e);
    }
  }
}
