package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task watcher's settings: start timeout, Spot relaunch limit and the Slack webhook secret. */
class WatchConfigTest {
  private static final String HOOK = "https://hooks.slack.com/services/T0/B0/s3cretPath";
  @TempDir Path home;

  private ConfigFixture fixture() {
    return new ConfigFixture(home);
  }

  @Test
  void defaultsAreTenMinutesAndThreeRelaunchesAndNoWebhook() {
    AgentConfig c = fixture().load();
    assertThat(c.supervision().startTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.supervision().spotRelaunchLimit()).isEqualTo(3);
    assertThat(c.slackWebhookUrl().isPresent()).isFalse();
  }

  @Test
  void fileEnvironmentAndFlagsSetThem() {
    AgentConfig file =
        fixture()
            .userFile("[cloud.agent.ecs]\nstart_timeout = 120\nspot_relaunch_limit = 1\n")
            .load();
    assertThat(file.supervision().startTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(file.supervision().spotRelaunchLimit()).isEqualTo(1);

    AgentConfig env =
        fixture()
            .env("PREFECT__CLOUD__AGENT__ECS__START_TIMEOUT", "300")
            .env("PREFECT__CLOUD__AGENT__ECS__SPOT_RELAUNCH_LIMIT", "0")
            .env("PREFECT__CONTEXT__SECRETS__SLACK_WEBHOOK_URL", HOOK)
            .load();
    assertThat(env.supervision().startTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(env.supervision().spotRelaunchLimit()).isZero();
    assertThat(env.slackWebhookUrl().reveal()).isEqualTo(HOOK);
    assertThat(env.slackWebhookUrl().toString()).doesNotContain("s3cret");

    AgentConfig flags =
        fixture()
            .load(
                FlagOverride.of("cloud.agent.ecs.start_timeout", 45.5, "--start-timeout"),
                FlagOverride.of(
                    "cloud.agent.ecs.spot_relaunch_limit", 7L, "--spot-relaunch-limit"));
    assertThat(flags.supervision().startTimeout()).isEqualTo(Duration.ofMillis(45_500));
    assertThat(flags.supervision().spotRelaunchLimit()).isEqualTo(7);
  }

  @Test
  void badValuesAreReportedTogetherAndTheWebhookIsNeverShown() {
    ConfigFixture f =
        fixture()
            .env("PREFECT__CLOUD__AGENT__ECS__START_TIMEOUT", "5")
            .env("PREFECT__CLOUD__AGENT__ECS__SPOT_RELAUNCH_LIMIT", "-1")
            .env("PREFECT__CONTEXT__SECRETS__SLACK_WEBHOOK_URL", "hooks.slack.com/s3cretPath");
    assertThatThrownBy(f::load)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems()).hasSize(3);
              assertThat(e.problems())
                  .anySatisfy(p -> assertThat(p).contains("start_timeout", "between 30 and 86400"))
                  .anySatisfy(
                      p -> assertThat(p).contains("spot_relaunch_limit", "between 0 and 100"))
                  .anySatisfy(
                      p -> assertThat(p).contains("SLACK_WEBHOOK_URL = ***", "not an http(s) URL"));
              assertThat(e.getMessage()).doesNotContain("s3cret");
            });
  }
}
