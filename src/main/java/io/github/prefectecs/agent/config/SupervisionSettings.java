package io.github.prefectecs.agent.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the agent watches its tasks.
 *
 * @param startTimeout a task still starting (PROVISIONING, PENDING) after this long is stopped and
 *     its run failed ({@code start_timeout}, seconds; default 10 minutes)
 * @param spotRelaunchLimit how often one run is relaunched on FARGATE after a Fargate Spot
 *     interruption before it fails ({@code spot_relaunch_limit}; default 3)
 * @param maxRuntime a task running longer is stopped and its run failed ({@code max_runtime});
 *     {@link Duration#ZERO} for no limit (the default). A run's own {@code
 *     PREFECT_ECS_AGENT_MAX_RUNTIME} replaces it
 * @param orphanGrace how long a task of this agent may go on running after its run finished or was
 *     deleted before the agent stops it ({@code orphan_grace}; default 5 minutes); {@link
 *     Duration#ZERO} to only report such tasks
 * @param slackWebhookUrl {@code context.secrets.SLACK_WEBHOOK_URL}: where infrastructure failures
 *     of runs are posted; empty for none
 */
public record SupervisionSettings(
    Duration startTimeout,
    int spotRelaunchLimit,
    Duration maxRuntime,
    Duration orphanGrace,
    Secret slackWebhookUrl) {

  /** Default of {@code start_timeout}. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(10);

  /** Default of {@code spot_relaunch_limit}. */
  public static final int DEFAULT_SPOT_RELAUNCH_LIMIT = 3;

  /** Default of {@code orphan_grace}. */
  public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofMinutes(5);

  public SupervisionSettings {
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(maxRuntime, "maxRuntime");
    Objects.requireNonNull(orphanGrace, "orphanGrace");
    Objects.requireNonNull(slackWebhookUrl, "slackWebhookUrl");
    if (maxRuntime.isNegative() || orphanGrace.isNegative()) {
      throw new IllegalArgumentException(
          "max_runtime and orphan_grace must not be negative, were "
              + maxRuntime
              + " and "
              + orphanGrace);
    }
  }

  /** The defaults, no Slack notices. */
  public static SupervisionSettings defaults() {
    return new SupervisionSettings(
        DEFAULT_START_TIMEOUT,
        DEFAULT_SPOT_RELAUNCH_LIMIT,
        Duration.ZERO,
        DEFAULT_ORPHAN_GRACE,
        Secret.empty());
  }

  /** These settings with {@code maxRuntime} ({@link Duration#ZERO}: none) as the default limit. */
  public SupervisionSettings withMaxRuntime(Duration maxRuntime) {
    return new SupervisionSettings(
        startTimeout, spotRelaunchLimit, maxRuntime, orphanGrace, slackWebhookUrl);
  }

  /** These settings with another orphan grace. */
  public SupervisionSettings withOrphanGrace(Duration orphanGrace) {
    return new SupervisionSettings(
        startTimeout, spotRelaunchLimit, maxRuntime, orphanGrace, slackWebhookUrl);
  }
}
