package io.github.prefectecs.agent.prefect.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The double's clock: it follows the system clock shifted by an offset tests can move ({@link
 * #advance}, {@link #set}), or stands still after {@link #freeze}. Thread-safe.
 */
public final class ServerClock extends Clock {
  private record Mode(Duration offset, Instant frozen) {}

  private final AtomicReference<Mode> mode = new AtomicReference<>(new Mode(Duration.ZERO, null));

  /** Moves the clock forward by {@code amount} (backwards when negative). */
  public void advance(Duration amount) {
    mode.updateAndGet(
        m ->
            m.frozen != null
                ? new Mode(m.offset, m.frozen.plus(amount))
                : new Mode(m.offset.plus(amount), null));
  }

  /** Makes now equal {@code instant}; the clock keeps ticking from there unless frozen. */
  public void set(Instant instant) {
    mode.updateAndGet(
        m ->
            m.frozen != null
                ? new Mode(m.offset, instant)
                : new Mode(Duration.between(Instant.now(), instant), null));
  }

  /** Stops the clock at {@code instant}. */
  public void freeze(Instant instant) {
    mode.set(new Mode(Duration.ZERO, instant));
  }

  /** Lets a frozen clock tick again from where it stands. */
  public void unfreeze() {
    mode.updateAndGet(
        m -> m.frozen == null ? m : new Mode(Duration.between(Instant.now(), m.frozen), null));
  }

  @Override
  public Instant instant() {
    Mode m = mode.get();
    return m.frozen != null ? m.frozen : Instant.now().plus(m.offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the server clock is always UTC");
  }
}
