package io.github.prefectecs.agent.support;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * A rate that adapts to the throttling its caller sees: additive increase while no throttling is
 * seen, multiplicative decrease on throttling (with jitter, so agents sharing a quota do not move
 * in lockstep), at most once per hold period so a burst of throttled calls from one overshoot
 * counts once.
 *
 * <p>Thread-safe. Time comes in as monotonic nanoseconds from the caller, so tests need no clock.
 */
public final class AimdRate {

  /**
   * How the rate moves.
   *
   * @param floorFraction lowest rate, as a fraction of the ceiling (0..1]
   * @param decreaseFactor rate multiplier on throttling, before jitter (0..1)
   * @param jitter up to this much more decrease, drawn at random (0..decreaseFactor)
   * @param increasePerSecond additive increase per second, as a fraction of the ceiling
   * @param hold after a decrease, further throttling is ignored and the rate does not grow for this
   *     long (times 1 to 1.5, at random)
   */
  public record Tuning(
      double floorFraction,
      double decreaseFactor,
      double jitter,
      double increasePerSecond,
      Duration hold) {
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
      if (!(increasePerSecond > 0)) {
        throw new IllegalArgumentException(
            "increasePerSecond must be above 0, was " + increasePerSecond);
      }
      if (hold.isNegative()) {
        throw new IllegalArgumentException("hold must not be negative, was " + hold);
      }
    }

    /**
     * The agent's defaults: down to 60-70 % on throttling, 1 s hold, up by 5 % of the ceiling per
     * second (a lone agent is back at the full rate within about 7 s of its last throttling), never
     * below 10 % of the ceiling.
     */
    public static Tuning defaults() {
      return new Tuning(0.1, 0.7, 0.1, 0.05, Duration.ofSeconds(1));
    }

    /** The same behaviour on a clock running {@code speedup} times faster (benchmarks). */
    public Tuning scaled(double speedup) {
      return new Tuning(
          floorFraction,
          decreaseFactor,
          jitter,
          increasePerSecond,
          Duration.ofNanos((long) (hold.toNanos() / speedup)));
    }
  }

  private final double ceiling;
  private final double floor;
  private final Tuning tuning;
  private final DoubleSupplier random;
  private double rate;
  private long updated;
  private long holdUntil;
  private long decreases;

  /**
   * @param ceiling the highest rate (the published quota or an operator's cap), above 0
   * @param tuning how the rate moves
   * @param random uniform doubles in [0, 1) for jitter
   * @param now the caller's monotonic clock, in nanoseconds
   */
  public AimdRate(double ceiling, Tuning tuning, DoubleSupplier random, long now) {
    if (!(ceiling > 0)) {
      throw new IllegalArgumentException("ceiling must be above 0, was " + ceiling);
    }
    this.ceiling = ceiling;
    this.floor = ceiling * tuning.floorFraction();
    this.tuning = tuning;
    this.random = random;
    this.rate = ceiling;
    this.updated = now;
    this.holdUntil = now;
  }

  /** The rate now, per second, after any increase due since the last call. */
  public synchronized double rate(long now) {
    long from = Math.max(updated, holdUntil);
    if (now > from && rate < ceiling) {
      rate = Math.min(ceiling, rate + ceiling * tuning.increasePerSecond() * (now - from) / 1e9);
    }
    updated = Math.max(updated, now);
    return rate;
  }

  /**
   * Records a throttled call: lowers the rate unless it was lowered within the hold period.
   *
   * @return whether the rate was lowered
   */
  public synchronized boolean throttled(long now) {
    rate(now);
    if (now < holdUntil) {
      return false;
    }
    double factor = tuning.decreaseFactor() - tuning.jitter() * random.getAsDouble();
    rate = Math.max(floor, rate * factor);
    holdUntil = now + (long) (tuning.hold().toNanos() * (1 + 0.5 * random.getAsDouble()));
    updated = now;
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
