package io.github.prefectecs.agent.support;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * A rate that adapts to the throttling its caller sees, for callers that share a quota with others
 * they cannot talk to (several agents in one AWS account).
 *
 * <p>Multiplicative decrease on throttling, with the factor drawn with jitter so callers do not
 * move in lockstep, then a cubic climb as in TCP CUBIC: fast back towards the rate at which
 * throttling appeared (less a margin), a plateau just below it, then slowly faster probing above
 * it. Callers sharing a quota this way converge to shares of it while spending most of their time
 * just under the rate that was throttled, so throttling episodes are rare; a lone caller climbs
 * back to the ceiling.
 *
 * <p>The first throttled call lowers the rate: waiting for a second one costs more throttled calls
 * than it saves. Throttling within the hold period after a decrease is the same overshoot (calls
 * already in flight, the same call reported by the SDK interceptor and by its caller) and lowers
 * nothing.
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
   * @param cubic steepness of the climb, as a fraction of the ceiling per second cubed: the rate is
   *     {@code plateau + cubic * ceiling * (t - K)^3}, K the time the climb takes to the plateau
   * @param plateau where the climb levels off, as a fraction of the rate that was throttled (0..1]
   * @param start the rate before any throttling, as a fraction of the ceiling (0..1]; from the
   *     first use it doubles every four hold periods up to the ceiling (slow start)
   * @param hold after a decrease, throttling is ignored and the rate does not grow for this long
   *     (times 1 to 1.5, at random)
   */
  public record Tuning(
      double floorFraction,
      double decreaseFactor,
      double jitter,
      double cubic,
      double plateau,
      double start,
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
      if (!(cubic > 0)) {
        throw new IllegalArgumentException("cubic must be above 0, was " + cubic);
      }
      if (!(plateau > decreaseFactor && plateau <= 1)) {
        throw new IllegalArgumentException(
            "plateau must be in (decreaseFactor, 1], was " + plateau);
      }
      if (!(start > 0 && start <= 1)) {
        throw new IllegalArgumentException("start must be in (0, 1], was " + start);
      }
      if (hold.isNegative()) {
        throw new IllegalArgumentException("hold must not be negative, was " + hold);
      }
    }

    /**
     * The agent's defaults: down to 60-70 % on throttling, 250 ms hold, plateau at 95 % of the
     * throttled rate. At a ceiling of 20/s a rate cut from 20 to 14 is back at 17 in 2 s and at 18
     * in 4 s, levels off at 19 after 8.5 s and reaches 20 about 5 s later.
     */
    public static Tuning defaults() {
      return new Tuning(0.1, 0.7, 0.1, 0.0004, 0.95, 0.5, Duration.ofMillis(250));
    }

    /** The same behaviour on a clock running {@code speedup} times faster (benchmarks). */
    public Tuning scaled(double speedup) {
      return new Tuning(
          floorFraction,
          decreaseFactor,
          jitter,
          cubic * speedup * speedup * speedup,
          plateau,
          start,
          Duration.ofNanos((long) (hold.toNanos() / speedup)));
    }
  }

  private final double ceiling;
  private final double floor;
  private final double steepness;
  private final Tuning tuning;
  private final DoubleSupplier random;
  private boolean adapted;
  private double target;
  private double climbSeconds;
  private long holdUntil;
  private long decreases;
  private long firstUse;
  private long lastUse;
  private boolean used;
  private boolean starting = true;
  private double startRate;

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
    this.steepness = ceiling * tuning.cubic();
    this.tuning = tuning;
    this.random = random;
    this.startRate = ceiling * tuning.start();
  }

  /** The rate at {@code now}, per second. */
  public synchronized double rate(long now) {
    if (starting) {
      return slowStart(now);
    }
    if (!adapted) {
      return ceiling;
    }
    double t = Math.max(0, now - holdUntil) / 1e9 - climbSeconds;
    double rate = Math.max(floor, target + steepness * t * t * t);
    if (rate >= ceiling) {
      adapted = false;
      return ceiling;
    }
    return rate;
  }

  /**
   * Records a throttled call; lowers the rate unless the last decrease is within the hold period.
   *
   * @return whether the rate was lowered
   */
  public synchronized boolean throttled(long now) {
    if (decreases > 0 && now < holdUntil) {
      return false;
    }
    double current = rate(now);
    starting = false;
    double factor = tuning.decreaseFactor() - tuning.jitter() * random.getAsDouble();
    double lowered = Math.max(floor, current * factor);
    target = Math.max(lowered, current * tuning.plateau());
    climbSeconds = Math.cbrt((target - lowered) / steepness);
    adapted = true;
    holdUntil = now + (long) (tuning.hold().toNanos() * (1 + 0.5 * random.getAsDouble()));
    decreases++;
    return true;
  }

  /**
   * Records that a caller wants a token at {@code now}. The first call starts the slow start, so a
   * bucket created long before its first use does not start at the ceiling; so does the first call
   * after an idle spell of 40 hold periods (10 s by default), from at most the rate before it: an
   * idle rate knows nothing of what others sharing the quota did meanwhile, and agents given work
   * at the same moment (runs scheduled on the hour) must not all come back at their old rates.
   */
  public synchronized void inUse(long now) {
    if (!used) {
      used = true;
      firstUse = now;
    } else if (now - lastUse > 40 * tuning.hold().toNanos()) {
      startRate = Math.min(ceiling * tuning.start(), rate(lastUse));
      starting = true;
      firstUse = now;
    }
    lastUse = now;
  }

  private double slowStart(long now) {
    if (!used || startRate >= ceiling) {
      return startRate;
    }
    double doublings = (now - firstUse) / (4.0 * Math.max(1, tuning.hold().toNanos()));
    return doublings >= 32 ? ceiling : Math.min(ceiling, startRate * Math.pow(2, doublings));
  }

  public double ceiling() {
    return ceiling;
  }

  /** Whether the rate is below its ceiling after throttling. */
  public synchronized boolean adapted(long now) {
    return rate(now) < ceiling;
  }

  /** How many times the rate was lowered. */
  public synchronized long decreases() {
    return decreases;
  }
}
