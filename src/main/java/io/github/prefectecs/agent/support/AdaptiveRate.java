package io.github.prefectecs.agent.support;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * A rate that adapts to the throttling its caller sees, for callers that share a quota with others
 * they cannot talk to (several agents in one AWS account).
 *
 * <p>Additive increase, multiplicative decrease (AIMD, as TCP): on throttling the rate drops by a
 * factor drawn with jitter so callers do not move in lockstep; after the hold period it grows back
 * linearly. Callers sharing a quota this way converge to fair shares of it; the slow increase keeps
 * the share of throttled calls low.
 *
 * <p>Throttling right after a decrease (within the hold period) is the same overshoot and does not
 * lower the rate again. A lone throttled call is tolerated: a decrease needs a second one within
 * four hold periods, since a caller running exactly at the quota sees an occasional throttle from
 * network jitter alone; two reports less than 1/100 of a hold period apart are taken as one call
 * reported twice (by the SDK interceptor and by its caller).
 *
 * <p>Thread-safe. Time comes in as monotonic nanoseconds from the caller, so tests need no clock.
 */
public final class AdaptiveRate {

  /**
   * How the rate moves.
   *
   * @param floorFraction lowest rate, as a fraction of the ceiling (0..1]
   * @param decreaseFactor rate multiplier on throttling, before jitter (0..1)
   * @param jitter up to this much more decrease, drawn at random [0..decreaseFactor)
   * @param growth additive increase per second, as a fraction of the ceiling
   * @param hold after a decrease, throttling is ignored and the rate does not grow for this long
   *     (times 1 to 1.5, at random)
   */
  public record Tuning(
      double floorFraction, double decreaseFactor, double jitter, double growth, Duration hold) {
    public Tuning {
      if (!(floorFraction > 0 && floorFraction <= 1)) {
        throw new IllegalArgumentException("floorFraction must be in (0, 1], was " + floorFraction);
      }
      if (!(decreaseFactor > 0 && decreaseFactor < 1)) {
        throw new IllegalArgumentException(
            "decreaseFactor must be in (0, 1), was " + decreaseFactor);
      }
      if (!(jitter >= 0 && jitter < decreaseFactor)) {
        throw new IllegalArgumentException("jitter must be in [0, decreaseFactor), was " + jitter);
      }
      if (!(growth > 0)) {
        throw new IllegalArgumentException("growth must be above 0, was " + growth);
      }
      if (hold.isNegative()) {
        throw new IllegalArgumentException("hold must not be negative, was " + hold);
      }
    }

    /**
     * The agent's defaults: down to 60-70 % on throttling, 250 ms hold, up by 5 % of the ceiling
     * per second (at 20/s: a rate cut from 20 to 14 is back at 20 in 6 s, from the floor of 10 % in
     * 18 s).
     */
    public static Tuning defaults() {
      return new Tuning(0.1, 0.7, 0.1, 0.05, Duration.ofMillis(250));
    }

    /** The same behaviour on a clock running {@code speedup} times faster (benchmarks). */
    public Tuning scaled(double speedup) {
      return new Tuning(
          floorFraction,
          decreaseFactor,
          jitter,
          growth * speedup,
          Duration.ofNanos((long) (hold.toNanos() / speedup)));
    }
  }

  private final double ceiling;
  private final double floor;
  private final double perSecond;
  private final Tuning tuning;
  private final DoubleSupplier random;
  private boolean adapted;
  private double lowered;
  private long holdUntil;
  private long decreases;
  private long lastThrottle = Long.MIN_VALUE;

  /**
   * @param ceiling the highest rate (the published quota or an operator's cap), above 0
   * @param tuning how the rate moves
   * @param random uniform doubles in [0, 1) for jitter
   */
  public AdaptiveRate(double ceiling, Tuning tuning, DoubleSupplier random) {
    if (!(ceiling > 0)) {
      throw new IllegalArgumentException("ceiling must be above 0, was " + ceiling);
    }
    this.ceiling = ceiling;
    this.floor = ceiling * tuning.floorFraction();
    this.perSecond = ceiling * tuning.growth();
    this.tuning = tuning;
    this.random = random;
  }

  /** The rate at {@code now}, per second. */
  public synchronized double rate(long now) {
    if (!adapted) {
      return ceiling;
    }
    double t = Math.max(0, now - holdUntil) / 1e9;
    double rate = lowered + perSecond * t;
    if (rate >= ceiling) {
      adapted = false;
      return ceiling;
    }
    return rate;
  }

  /**
   * Records a throttled call; lowers the rate when it confirms an earlier one and the last decrease
   * is older than the hold period.
   *
   * @return whether the rate was lowered
   */
  public synchronized boolean throttled(long now) {
    if (decreases > 0 && now < holdUntil) {
      return false;
    }
    long window = 4 * tuning.hold().toNanos();
    if (lastThrottle == Long.MIN_VALUE || now - lastThrottle > window) {
      lastThrottle = now;
      return false;
    }
    if (now - lastThrottle < window / 400) {
      return false;
    }
    lastThrottle = Long.MIN_VALUE;
    double current = rate(now);
    double factor = tuning.decreaseFactor() - tuning.jitter() * random.getAsDouble();
    lowered = Math.max(floor, current * factor);
    adapted = true;
    holdUntil = now + (long) (tuning.hold().toNanos() * (1 + 0.5 * random.getAsDouble()));
    decreases++;
    return true;
  }

  public double ceiling() {
    return ceiling;
  }

  /** How many times the rate was lowered. */
  public synchronized long decreases() {
    return decreases;
  }
}
