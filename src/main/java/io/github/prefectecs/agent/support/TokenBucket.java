package io.github.prefectecs.agent.support;

import java.util.function.LongSupplier;

/**
 * A token bucket rate limiter: {@code capacity} tokens of burst, refilled at {@code
 * refillPerSecond}. {@link #acquire()} reserves a token and sleeps until it is due, so waiting
 * callers are served in arrival order.
 *
 * <p>Thread-safe. The clock and the sleeper are injectable so tests need not wait.
 */
public final class TokenBucket {

  /** Sleeps for a number of nanoseconds; {@code Thread::sleep} in production. */
  @FunctionalInterface
  public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final String name;
  private final double capacity;
  private final double refillPerNano;
  private final LongSupplier nanoClock;
  private final Sleeper sleeper;
  private double tokens;
  private long lastRefill;

  /**
   * @param name what the bucket limits, for messages
   * @param capacity burst size, at least 1
   * @param refillPerSecond sustained rate, above 0
   * @param nanoClock monotonic nanosecond clock ({@code System::nanoTime})
   * @param sleeper how to wait
   */
  public TokenBucket(
      String name, int capacity, double refillPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
    if (capacity < 1) {
      throw new IllegalArgumentException(name + ": capacity must be at least 1, was " + capacity);
    }
    if (!(refillPerSecond > 0)) {
      throw new IllegalArgumentException(
          name + ": refill rate must be above 0, was " + refillPerSecond);
    }
    this.name = name;
    this.capacity = capacity;
    this.refillPerNano = refillPerSecond / NANOS_PER_SECOND;
    this.nanoClock = nanoClock;
    this.sleeper = sleeper;
    this.tokens = capacity;
    this.lastRefill = nanoClock.getAsLong();
  }

  /** A bucket on the system clock that sleeps with {@link Thread#sleep}. */
  public static TokenBucket system(String name, int capacity, double refillPerSecond) {
    return new TokenBucket(
        name,
        capacity,
        refillPerSecond,
        System::nanoTime,
        nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  public String name() {
    return name;
  }

  /**
   * Takes one token, waiting until it is available.
   *
   * @throws InterruptedException if interrupted while waiting; the token stays consumed, which errs
   *     on the side of calling AWS less
   */
  public void acquire() throws InterruptedException {
    long wait = reserve();
    if (wait > 0) {
      sleeper.sleepNanos(wait);
    }
  }

  /** Takes one token only if one is available now. */
  public synchronized boolean tryAcquire() {
    refill();
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Reserves a token (the balance may go negative) and returns the nanoseconds until it is due. */
  synchronized long reserve() {
    refill();
    tokens -= 1;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / refillPerNano);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    long elapsed = now - lastRefill;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * refillPerNano);
      lastRefill = now;
    }
  }

  @Override
  public String toString() {
    return "TokenBucket[" + name + "]";
  }
}
