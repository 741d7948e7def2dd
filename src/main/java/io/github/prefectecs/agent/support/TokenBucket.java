package io.github.prefectecs.agent.support;

import java.util.function.LongSupplier;

/**
 * A token bucket rate limiter: {@code capacity} tokens of burst, refilled at {@code
 * refillPerSecond}. {@link #acquire()} reserves a token and sleeps until it is due, so waiting
 * callers are served in arrival order.
 *
 * <p>An adaptive bucket ({@link #adaptive}) refills at an {@link AdaptiveRate} instead: callers
 * report throttling with {@link #throttled()}, which lowers the rate and drops the saved burst; the
 * rate climbs back while no throttling is reported. A fixed bucket ignores {@link #throttled()}.
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
  private static final double START_BURST = 0.25;

  private final String name;
  private final double capacity;
  private double refillPerNano;
  private final LongSupplier nanoClock;
  private final Sleeper sleeper;
  private final AdaptiveRate adaptiveRate;
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
    this(name, capacity, refillPerSecond, nanoClock, sleeper, null);
  }

  /**
   * An adaptive bucket: refills at {@code rate}, which starts at its ceiling.
   *
   * @param name what the bucket limits, for messages
   * @param capacity burst size, at least 1
   * @param rate the adaptive refill rate, on the same clock as {@code nanoClock}
   * @param nanoClock monotonic nanosecond clock ({@code System::nanoTime})
   * @param sleeper how to wait
   */
  public TokenBucket(
      String name, int capacity, AdaptiveRate rate, LongSupplier nanoClock, Sleeper sleeper) {
    this(name, capacity, rate.ceiling(), nanoClock, sleeper, rate);
  }

  private TokenBucket(
      String name,
      int capacity,
      double refillPerSecond,
      LongSupplier nanoClock,
      Sleeper sleeper,
      AdaptiveRate adaptiveRate) {
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
    this.adaptiveRate = adaptiveRate;
    // An adaptive bucket does not start with its whole burst: agents started together (or a
    // restarted
    // one joining others) would together send several times the account's burst at once.
    this.tokens = adaptiveRate == null ? capacity : Math.max(1, capacity * START_BURST);
    this.lastRefill = nanoClock.getAsLong();
    if (adaptiveRate != null) {
      this.refillPerNano = adaptiveRate.rate(lastRefill) / NANOS_PER_SECOND;
    }
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

  /**
   * An adaptive bucket on the system clock with the agent's default {@link AdaptiveRate.Tuning}.
   *
   * @param maxPerSecond the ceiling of the rate: the published quota or an operator's cap
   */
  public static TokenBucket adaptive(String name, int capacity, double maxPerSecond) {
    return adaptive(name, capacity, maxPerSecond, AdaptiveRate.Tuning.defaults());
  }

  /** An adaptive bucket on the system clock. */
  public static TokenBucket adaptive(
      String name, int capacity, double maxPerSecond, AdaptiveRate.Tuning tuning) {
    AdaptiveRate rate =
        new AdaptiveRate(
            maxPerSecond,
            tuning,
            () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    return new TokenBucket(
        name,
        capacity,
        rate,
        System::nanoTime,
        nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /**
   * The CloudWatch Logs FilterLogEvents quota (5 calls/s per account and Region), adaptive so that
   * several agents reading logs in one account share it.
   */
  public static TokenBucket filterLogEvents() {
    return adaptive("logs:FilterLogEvents", 5, 5);
  }

  /**
   * Reports that AWS throttled a call this bucket let through. An adaptive bucket lowers its rate
   * (at most once per hold period) and gives up its saved burst, since the account's bucket is
   * empty; a fixed bucket does nothing.
   *
   * @return whether the rate was lowered
   */
  public synchronized boolean throttled() {
    if (adaptiveRate == null) {
      return false;
    }
    refill();
    long now = nanoClock.getAsLong();
    boolean lowered = adaptiveRate.throttled(now);
    if (lowered) {
      tokens = Math.min(tokens, 0);
      // From now on: tokens earned until the next call must not come at the old rate.
      refillPerNano = adaptiveRate.rate(now) / NANOS_PER_SECOND;
    }
    return lowered;
  }

  /** The refill rate now, per second. */
  public synchronized double rate() {
    refill();
    return refillPerNano * NANOS_PER_SECOND;
  }

  /** Whether the bucket adapts its rate to reported throttling. */
  public boolean isAdaptive() {
    return adaptiveRate != null;
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
    if (adaptiveRate != null) {
      // No reservations ahead of time: a waiter promised a token at the old rate would still go
      // out at that rate after a decrease. Waiters take a token once one is there.
      for (long wait = takeOrWait(); wait > 0; wait = takeOrWait()) {
        sleeper.sleepNanos(wait);
      }
      return;
    }
    long wait = reserve();
    if (wait > 0) {
      sleeper.sleepNanos(wait);
    }
  }

  /** Takes a token and returns 0, or returns the nanoseconds until one is due at today's rate. */
  private synchronized long takeOrWait() {
    adaptiveRate.inUse(nanoClock.getAsLong());
    refill();
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / refillPerNano));
  }

  /** Takes one token only if one is available now. */
  public synchronized boolean tryAcquire() {
    if (adaptiveRate != null) {
      adaptiveRate.inUse(nanoClock.getAsLong());
    }
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
      tokens = Math.min(burst(), tokens + elapsed * refillPerNano);
      lastRefill = now;
    }
    if (adaptiveRate != null) {
      // The new rate applies from now on; tokens already earned stay.
      refillPerNano = adaptiveRate.rate(now) / NANOS_PER_SECOND;
    }
  }

  /**
   * The most tokens saved. An adaptive bucket saves at most a quarter of its capacity, less when
   * its rate is below a quarter of the ceiling: agents sharing a quota cannot know how many of them
   * there are, and agents idle together would otherwise send several times the account's burst at
   * once when work arrives for all of them.
   */
  private double burst() {
    if (adaptiveRate == null) {
      return capacity;
    }
    double share = refillPerNano * NANOS_PER_SECOND / adaptiveRate.ceiling();
    return Math.max(1, capacity * Math.min(START_BURST, share));
  }

  @Override
  public String toString() {
    return "TokenBucket[" + name + "]";
  }
}
