package io.github.prefectecs.agent.prefect;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts log lines refused by a full buffer and warns at most once a minute. Thread-safe. */
final class OverflowCounter {
  private static final Logger LOG = LoggerFactory.getLogger(PrefectBatcher.class);
  private final Clock clock;
  private final AtomicLong overflowed = new AtomicLong();
  private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

  OverflowCounter(Clock clock) {
    this.clock = clock;
  }

  long count() {
    return overflowed.get();
  }

  /** Counts one refused line and returns the error for its future. */
  PrefectApiException refuse(int logCapacity) {
    long count = overflowed.incrementAndGet();
    long now = clock.millis();
    long last = lastWarning.get();
    if ((last == Long.MIN_VALUE || now - last >= 60_000) && lastWarning.compareAndSet(last, now)) {
      LOG.warn(
          "Prefect log buffer is full ({} lines waiting); {} log lines refused so far",
          logCapacity,
          count);
    }
    return new PrefectApiException(
        PrefectApiException.Kind.TRANSPORT,
        "the Prefect log buffer is full ("
            + logCapacity
            + " lines); line refused at "
            + Instant.ofEpochMilli(now));
  }
}
