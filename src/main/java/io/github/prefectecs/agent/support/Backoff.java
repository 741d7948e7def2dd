package io.github.prefectecs.agent.support;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the delay before retry {@code n} (0-based) is a uniform
 * random value in {@code [0, min(cap, base * 2^n)]}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param base the ceiling of the first delay
 * @param cap the largest ceiling any delay can have
 */
public record Backoff(Duration base, Duration cap) {
  public Backoff {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(cap, "cap");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("backoff base must be positive, was " + base);
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "backoff cap must be at least the base " + base + ", was " + cap);
    }
  }

  /** The ceiling for retry {@code attempt} (0-based): {@code min(cap, base * 2^attempt)}. */
  public Duration ceiling(int attempt) {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
    }
    long baseMillis = base.toMillis();
    int shift = Math.min(attempt, 40);
    long ceiling = baseMillis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseMillis << shift;
    return Duration.ofMillis(Math.min(ceiling, cap.toMillis()));
  }

  /** A random delay for retry {@code attempt} (0-based), uniform in {@code [0, ceiling]}. */
  public Duration delay(int attempt) {
    return delay(attempt, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** As {@link #delay(int)} with the random source given (values in {@code [0, 1)}). */
  public Duration delay(int attempt, DoubleSupplier random) {
    long ceiling = ceiling(attempt).toMillis();
    return Duration.ofMillis((long) Math.floor(random.getAsDouble() * (ceiling + 1)));
  }
}
