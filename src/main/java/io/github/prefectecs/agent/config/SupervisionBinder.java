package io.github.prefectecs.agent.config;

import java.time.Duration;

/**
 * Validates the supervision keys of {@code [cloud.agent.ecs]} ({@code start_timeout}, {@code
 * spot_relaunch_limit}, {@code max_runtime}, {@code orphan_grace}) into {@link
 * SupervisionSettings}. Stateless.
 */
final class SupervisionBinder {
  private static final String P = "cloud.agent.ecs.";

  /** The longest {@code max_runtime} and {@code orphan_grace} accepted. */
  static final Duration MAX_RUNTIME_LIMIT = Duration.ofDays(365);

  static final Duration MAX_ORPHAN_GRACE = Duration.ofDays(1);

  private SupervisionBinder() {}

  static SupervisionSettings bind(ValueReader r, Secret slackWebhook) {
    return new SupervisionSettings(
        startTimeout(r), spotRelaunchLimit(r), maxRuntime(r), orphanGrace(r), slackWebhook);
  }

  private static Duration startTimeout(ValueReader r) {
    Double seconds = r.number(P + "start_timeout");
    if (seconds == null) {
      return SupervisionSettings.DEFAULT_START_TIMEOUT;
    }
    if (seconds < 30 || seconds > 86_400) {
      r.problem(
          r.config().entry(P + "start_timeout"),
          "must be between 30 and 86400 seconds",
          "give the seconds a task may take to start, e.g. 600");
      return SupervisionSettings.DEFAULT_START_TIMEOUT;
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  private static int spotRelaunchLimit(ValueReader r) {
    Long limit = r.integer(P + "spot_relaunch_limit");
    if (limit == null) {
      return SupervisionSettings.DEFAULT_SPOT_RELAUNCH_LIMIT;
    }
    if (limit < 0 || limit > 100) {
      r.problem(
          r.config().entry(P + "spot_relaunch_limit"),
          "must be between 0 and 100",
          "give how often a run interrupted by Fargate Spot is relaunched, e.g. 3 (0: never)");
      return SupervisionSettings.DEFAULT_SPOT_RELAUNCH_LIMIT;
    }
    return Math.toIntExact(limit);
  }

  private static Duration maxRuntime(ValueReader r) {
    Duration d = r.duration(P + "max_runtime");
    if (d == null) {
      return Duration.ZERO;
    }
    if (!d.isZero()
        && (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(MAX_RUNTIME_LIMIT) > 0)) {
      r.problem(
          r.config().entry(P + "max_runtime"),
          "must be 0 (no limit) or between 1 minute and 365 days",
          "give the longest a flow task may run, " + DurationText.EXAMPLES + ", or 0 for none");
      return Duration.ZERO;
    }
    return d;
  }

  private static Duration orphanGrace(ValueReader r) {
    Duration d = r.duration(P + "orphan_grace");
    if (d == null) {
      return SupervisionSettings.DEFAULT_ORPHAN_GRACE;
    }
    if (d.compareTo(MAX_ORPHAN_GRACE) > 0) {
      r.problem(
          r.config().entry(P + "orphan_grace"),
          "must be between 0 and 1 day",
          "give how long a task may outlive its finished or deleted run before it is stopped,"
              + " e.g. 300 (0: only report it)");
      return SupervisionSettings.DEFAULT_ORPHAN_GRACE;
    }
    return d;
  }
}
