package io.github.prefectecs.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How an agent's stop shares its time: a declared list of stages ({@link Agent#close()}), each
 * bounded, all of them inside ECS's largest {@code stopTimeout} (120 s) and the systemd unit's
 * (docs/operations.md) {@code TimeoutStopSec=120}, with the flush of queued states and logs always
 * keeping its share.
 */
final class StopBudget {
  /** All stop stages together, with 10 s left for the JVM's exit. */
  static final Duration TOTAL = Duration.ofSeconds(110);

  /** The poll in flight gets this long to end (each API call is bounded by its call timeout). */
  static final Duration POLL = Duration.ofSeconds(15);

  /** The most in-flight launches may take to finish. */
  static final Duration LAUNCH_DRAIN = Duration.ofSeconds(90);

  /** How long the task watcher may take to finish its tick. */
  static final Duration WATCH = Duration.ofSeconds(5);

  /** How long log forwarding may read the last lines. */
  static final Duration LOGS = Duration.ofSeconds(5);

  /** How long queued states and logs may take to reach the API. */
  static final Duration FLUSH = Duration.ofSeconds(15);

  /** How long the operator notices (Slack) still queued may take. */
  static final Duration NOTICES = Duration.ofSeconds(3);

  /** The launch pool's last tasks (claim checks, retries started at stop) get this long. */
  static final Duration POOL = Duration.ofSeconds(5);

  /** Closing the clients (connection pools, the health endpoint): quick, counted all the same. */
  static final Duration CLIENTS = Duration.ofSeconds(2);

  /** The stages after the launch drain, whose time the drain never eats into. */
  private static final Duration AFTER_DRAIN =
      WATCH.plus(LOGS).plus(FLUSH).plus(NOTICES).plus(POOL).plus(CLIENTS);

  private StopBudget() {}

  /**
   * One stage of the stop.
   *
   * @param name what it stops, for the log of a failure
   * @param budget the longest it may take
   * @param action the stop itself, given its budget
   */
  record Stage(String name, Duration budget, Consumer<Duration> action) {
    Stage {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(action, "action");
    }

    void run() {
      action.accept(budget);
    }
  }

  /**
   * The time in-flight launches get, {@code elapsed} into the stop: at most {@link #LAUNCH_DRAIN},
   * and never time the later stages (watch, logs, flush, notices, pool, clients) need.
   */
  static Duration launchDrain(Duration elapsed) {
    Duration left = TOTAL.minus(elapsed).minus(AFTER_DRAIN);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(LAUNCH_DRAIN) < 0 ? left : LAUNCH_DRAIN;
  }
}
