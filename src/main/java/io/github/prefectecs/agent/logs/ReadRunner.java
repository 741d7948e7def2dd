package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Makes one planned read: FilterLogEvents page after page, each call paced by the read bucket, from
 * the read's start to the moment it began. Events of the read's members go to a consumer (which
 * keeps only new ones); other events (a prefix read sees every stream under the prefix) are only
 * counted. The members' windows move only once every page was read, so a read stopped or failed
 * half-way is made again whole next time and its events already taken are recognised.
 *
 * <p>Not thread-safe: used by the forwarder's thread.
 */
final class ReadRunner {
  /** How a read ended. */
  sealed interface Outcome {}

  /**
   * Every page was read.
   *
   * @param events events returned (all streams)
   * @param bytes their message characters
   */
  record Done(long events, long bytes, long at) implements Outcome {}

  /** Stopped between pages (no room for more lines, or the sweep's time is up). */
  record Stopped() implements Outcome {}

  /**
   * Cut short after its page limit: the source has more events than the read may page through.
   *
   * @param events events returned in the pages read
   */
  record Capped(long events, long bytes, long at) implements Outcome {}

  /** A call failed. */
  record Failed(LogsException error) implements Outcome {}

  private final LogsApi logs;
  private final TokenBucket bucket;
  private final Clock clock;
  private final long lookBackMillis;
  private long calls;

  ReadRunner(LogsApi logs, TokenBucket bucket, Clock clock, long lookBackMillis) {
    this.logs = logs;
    this.bucket = bucket;
    this.clock = clock;
    this.lookBackMillis = lookBackMillis;
  }

  Outcome run(
      ReadPlan.Read read, BiConsumer<StreamState, LogEvent> fresh, BooleanSupplier mayGoOn) {
    Map<String, StreamState> members = new HashMap<>();
    read.members().forEach(m -> members.put(m.stream(), m));
    long at = clock.millis();
    long start = Math.min(read.start(), at);
    FilterQuery query =
        read.kind() == ReadPlan.Kind.PREFIX
            ? FilterQuery.prefixed(read.group(), read.prefix(), start, at)
            : FilterQuery.named(read.group(), read.streams(), start, at);
    long events = 0;
    long bytes = 0;
    String token = null;
    int pages = 0;
    do {
      if (pages > 0 && !mayGoOn.getAsBoolean()) {
        return new Stopped();
      }
      if (pages == read.maxPages()) {
        return new Capped(events, bytes, at);
      }
      pages++;
      try {
        bucket.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Stopped();
      }
      FilterPage page;
      try {
        calls++;
        page = logs.filter(query, token);
      } catch (LogsException e) {
        if (e.kind() == LogsException.Kind.THROTTLED) {
          // The read quota is per account: other agents may be reading too. Slow down.
          bucket.throttled();
        }
        return new Failed(e);
      }
      for (LogEvent event : page.events()) {
        events++;
        bytes += event.message().length();
        StreamState member = members.get(event.streamName());
        if (member != null) {
          fresh.accept(member, event);
        }
      }
      token = page.nextToken();
    } while (token != null);
    for (StreamState member : read.members()) {
      member.readDone(at, lookBackMillis);
    }
    return new Done(events, bytes, at);
  }

  /** FilterLogEvents calls made so far, pages included. */
  long calls() {
    return calls;
  }
}
