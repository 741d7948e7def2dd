package io.github.prefectecs.agent.config;

import java.time.Duration;
import java.util.Objects;

/**
 * When new launches leave Fargate Spot for a while: {@code threshold} Spot interruptions or Spot
 * capacity failures within {@code window} open the breaker, and launches that would use the agent's
 * own FARGATE_SPOT strategy go to FARGATE for {@code coolDown}.
 *
 * @param threshold events that open the breaker ({@code spot_breaker_threshold}); 0 turns it off
 * @param window how far back events count ({@code spot_breaker_window})
 * @param coolDown how long it stays open ({@code spot_breaker_cooldown})
 */
public record SpotBreakerSettings(int threshold, Duration window, Duration coolDown) {
  /** Default of {@code spot_breaker_threshold}. */
  public static final int DEFAULT_THRESHOLD = 5;

  /** Default of {@code spot_breaker_window}. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);

  /** Default of {@code spot_breaker_cooldown}. */
  public static final Duration DEFAULT_COOL_DOWN = Duration.ofMinutes(30);

  public SpotBreakerSettings {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(coolDown, "coolDown");
    if (threshold < 0) {
      throw new IllegalArgumentException(
          "spot_breaker_threshold must be 0 or more, was " + threshold);
    }
    if (window.isNegative() || window.isZero() || coolDown.isNegative() || coolDown.isZero()) {
      throw new IllegalArgumentException(
          "spot_breaker_window and spot_breaker_cooldown must be positive, were "
              + window
              + " and "
              + coolDown);
    }
  }

  /** 5 events in 10 minutes open it for 30 minutes. */
  public static SpotBreakerSettings defaults() {
    return new SpotBreakerSettings(DEFAULT_THRESHOLD, DEFAULT_WINDOW, DEFAULT_COOL_DOWN);
  }

  /** A breaker that never opens. */
  public static SpotBreakerSettings off() {
    return new SpotBreakerSettings(0, DEFAULT_WINDOW, DEFAULT_COOL_DOWN);
  }

  public boolean enabled() {
    return threshold > 0;
  }
}
