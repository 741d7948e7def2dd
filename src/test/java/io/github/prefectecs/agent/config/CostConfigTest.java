package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.config.CostSettings.Dimension;
import io.github.prefectecs.agent.config.CostSettings.PriceOverride;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The keys of issue 23: maximum runtime, orphan grace, cost allocation tags, the Spot breaker and
 * price overrides, from files, the environment and flags, and every bad value reported at once.
 */
class CostConfigTest {
  @TempDir Path home;

  private ConfigFixture fixture() {
    return new ConfigFixture(home);
  }

  @Test
  void defaultsAreNoRuntimeLimitFiveMinutesOfGraceNoTagsAndABreakerOfFiveInTenMinutes() {
    AgentConfig c = fixture().load();
    assertThat(c.supervision().maxRuntime()).isZero();
    assertThat(c.supervision().orphanGrace()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.ecs().taskTags()).isEmpty();
    assertThat(c.ecs().spotBreaker()).isEqualTo(SpotBreakerSettings.defaults());
    assertThat(c.cost().prices()).isEmpty();
  }

  @Test
  void aFileSetsThemAll() {
    AgentConfig c =
        fixture()
            .userFile(
                "[cloud.agent.ecs]\nmax_runtime = \"2h\"\norphan_grace = 0\n"
                    + "spot_breaker_threshold = 3\nspot_breaker_window = \"15m\"\n"
                    + "spot_breaker_cooldown = 3600\n"
                    + "[cloud.agent.ecs.task_tags]\nteam = \"data\"\ncost-center = \"42\"\n"
                    + "[cloud.agent.ecs.prices.x86_64.fargate_spot]\nvcpu_hour = 0.0121\n"
                    + "gb_hour = 0.00133\n")
            .load();
    assertThat(c.supervision().maxRuntime()).isEqualTo(Duration.ofHours(2));
    assertThat(c.supervision().orphanGrace()).isZero();
    assertThat(c.ecs().spotBreaker())
        .isEqualTo(new SpotBreakerSettings(3, Duration.ofMinutes(15), Duration.ofHours(1)));
    assertThat(c.ecs().taskTags())
        .containsExactly(Map.entry("team", "data"), Map.entry("cost-center", "42"));
    assertThat(c.cost().prices())
        .containsExactlyInAnyOrder(
            new PriceOverride(Architecture.X86_64, "FARGATE_SPOT", Dimension.VCPU_HOUR, 0.0121),
            new PriceOverride(Architecture.X86_64, "FARGATE_SPOT", Dimension.GB_HOUR, 0.00133));
  }

  @Test
  void theEnvironmentSetsThemAllIncludingWholeTablesAsJson() {
    AgentConfig c =
        fixture()
            .env("PREFECT__CLOUD__AGENT__ECS__MAX_RUNTIME", "5400")
            .env("PREFECT__CLOUD__AGENT__ECS__ORPHAN_GRACE", "2m")
            .env("PREFECT__CLOUD__AGENT__ECS__TASK_TAGS", "{\"team\": \"data\"}")
            .env(
                "PREFECT__CLOUD__AGENT__ECS__PRICES",
                "{\"arm64\": {\"fargate\": {\"vcpu_hour\": 0.03, \"gb_hour\": 0.0033}}}")
            .load();
    assertThat(c.supervision().maxRuntime()).isEqualTo(Duration.ofMinutes(90));
    assertThat(c.supervision().orphanGrace()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.ecs().taskTags()).containsExactly(Map.entry("team", "data"));
    assertThat(c.cost().prices())
        .containsExactlyInAnyOrder(
            new PriceOverride(Architecture.ARM64, "FARGATE", Dimension.VCPU_HOUR, 0.03),
            new PriceOverride(Architecture.ARM64, "FARGATE", Dimension.GB_HOUR, 0.0033));
    AgentConfig one =
        fixture()
            .env("PREFECT__CLOUD__AGENT__ECS__PRICES__ARM64__FARGATE_SPOT__VCPU_HOUR", "0.01")
            .load();
    assertThat(one.cost().prices())
        .containsExactly(
            new PriceOverride(Architecture.ARM64, "FARGATE_SPOT", Dimension.VCPU_HOUR, 0.01));
  }

  @Test
  void flagsBeatTheFileAndTaskTagsReplaceTheTable() {
    AgentConfig c =
        fixture()
            .userFile(
                "[cloud.agent.ecs]\nmax_runtime = 60\n[cloud.agent.ecs.task_tags]\na = \"1\"\n")
            .load(
                FlagOverride.of("cloud.agent.ecs.max_runtime", "1h30m", "--max-runtime"),
                FlagOverride.of("cloud.agent.ecs.orphan_grace", "30", "--orphan-grace"),
                FlagOverride.of("cloud.agent.ecs.task_tags", Map.of("b", "2"), "--task-tag"));
    assertThat(c.supervision().maxRuntime()).isEqualTo(Duration.ofMinutes(90));
    assertThat(c.supervision().orphanGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.ecs().taskTags()).containsExactly(Map.entry("b", "2"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PREFECT__CLOUD__AGENT__ECS__MAX_RUNTIME | 2 weeks | max_runtime = \"2 weeks\" (from env"
            + " PREFECT__CLOUD__AGENT__ECS__MAX_RUNTIME): not a duration",
        "PREFECT__CLOUD__AGENT__ECS__MAX_RUNTIME | 30 | must be 0 (no limit) or between 1 minute",
        "PREFECT__CLOUD__AGENT__ECS__ORPHAN_GRACE | 2d | orphan_grace = \"2d\"",
        "PREFECT__CLOUD__AGENT__ECS__SPOT_BREAKER_THRESHOLD | -1 | must be between 0 and 1000",
        "PREFECT__CLOUD__AGENT__ECS__SPOT_BREAKER_WINDOW | 0 | must be between 1 second and 7 days",
        "PREFECT__CLOUD__AGENT__ECS__TASK_TAGS | {'aws:owner': 'me'} | tag aws:owner: the key"
            + " prefix is reserved",
        "PREFECT__CLOUD__AGENT__ECS__TASK_TAGS | {'team': 'a#b'} | tag team: a character AWS does"
            + " not allow",
        "PREFECT__CLOUD__AGENT__ECS__PRICES__X86_64__FARGAT__VCPU_HOUR | 0.01 | unknown capacity"
            + " provider fargat; use fargate or fargate_spot",
        "PREFECT__CLOUD__AGENT__ECS__PRICES__X86_64__FARGATE__VCPU | 0.01 | unknown price vcpu;"
            + " use vcpu_hour or gb_hour",
        "PREFECT__CLOUD__AGENT__ECS__PRICES__MIPS__FARGATE__VCPU_HOUR | 0.01 | unknown"
            + " architecture mips",
        "PREFECT__CLOUD__AGENT__ECS__PRICES__X86_64__FARGATE__GB_HOUR | free | not a price in US"
            + " dollars",
        "PREFECT__CLOUD__AGENT__ECS__PRICES | {'x86_64': {'fargate': 3}} | prices.x86_64.fargate:"
            + " not a price",
      })
  void aBadValueIsOneLineNamingTheKeyItsOriginAndTheFix(String name, String value, String says) {
    ConfigFixture f = fixture().env(name, value);
    assertThatThrownBy(f::load)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.problems()).singleElement().asString().contains(says).contains("; "));
  }
}
