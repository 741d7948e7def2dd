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
 * @param slackWebhookUrl {@code context.secrets.SLACK_WEBHOOK_URL}: where infrastructure failures
 *     of runs are posted; empty for none
 */
public record SupervisionSettings(
    Duration startTimeout, int spotRelaunchLimit, Secret slackWebhookUrl) {

  /** Default of {@code start_timeout}. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(10);

  /** Default of {@code spot_relaunch_limit}. */
  public static final int DEFAULT_SPOT_RELAUNCH_LIMIT = 3;

  public SupervisionSettings {
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(slackWebhookUrl, "slackWebhookUrl");
  }

  /** The defaults, no Slack notices. */
  public static SupervisionSettings defaults() {
    return new SupervisionSettings(
        DEFAULT_START_TIMEOUT, DEFAULT_SPOT_RELAUNCH_LIMIT, Secret.empty());
  }
}
