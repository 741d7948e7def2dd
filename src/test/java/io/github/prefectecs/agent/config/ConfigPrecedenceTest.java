package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * default &lt; user file &lt; backend file &lt; env &lt; flag, for every combination of sources.
 */
class ConfigPrecedenceTest {
  @TempDir Path home;

  /** One key with a distinct value per source. */
  record Row(
      String key,
      Object defaultValue,
      String userToml,
      Object userValue,
      String backendToml,
      Object backendValue,
      String env,
      Object envValue,
      Object flag,
      Object flagValue) {}

  static final List<Row> ROWS =
      List.of(
          new Row("cloud.agent.name", "agent", "\"u\"", "u", "\"b\"", "b", "e", "e", "f", "f"),
          new Row(
              "backend",
              "cloud",
              "\"server\"",
              "server",
              "\"cloud\"",
              "cloud",
              "server",
              "server",
              "cloud",
              "cloud"),
          new Row("cloud.request_timeout", 15L, "20", 20L, "\"25\"", 25L, "30.5", 30.5, 40L, 40L),
          new Row(
              "cloud.agent.labels",
              List.of(),
              "[\"u\"]",
              List.of("u"),
              "\"['b']\"",
              List.of("b"),
              "[\"e1\", \"e2\"]",
              List.of("e1", "e2"),
              List.of("f"),
              List.of("f")),
          new Row("cloud.agent.max_concurrent_launches", 10L, "3", 3L, "4", 4L, "5", 5L, 6L, 6L),
          new Row("cloud.agent.ecs.max_run_task_rate", "", "3", 3L, "4.5", 4.5, "5", 5L, 6.5, 6.5),
          new Row(
              "cloud.agent.ecs.cluster",
              "",
              "\"cu\"",
              "cu",
              "\"cb\"",
              "cb",
              "ce",
              "ce",
              "cf",
              "cf"),
          new Row(
              "cloud.agent.ecs.subnets",
              List.of(),
              "[\"s-u\"]",
              List.of("s-u"),
              "[\"s-b\"]",
              List.of("s-b"),
              "[\"s-e1\",\"s-e2\"]",
              List.of("s-e1", "s-e2"),
              List.of("s-f"),
              List.of("s-f")),
          new Row(
              "cloud.agent.ecs.assign_public_ip",
              "",
              "true",
              true,
              "\"DISABLED\"",
              "DISABLED",
              "false",
              false,
              "ENABLED",
              "ENABLED"),
          new Row(
              "cloud.api_key", "", "\"0123\"", "0123", "\"456\"", "456", "789", "789", "k", "k"));

  static Stream<Arguments> combinations() {
    List<Arguments> out = new ArrayList<>();
    for (Row row : ROWS) {
      for (int mask = 0; mask < 16; mask++) {
        out.add(Arguments.of(row.key(), mask, row));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "[{index}] {0} sources={1}")
  @MethodSource("combinations")
  void highestSourceWins(String key, int mask, Row row) {
    ConfigFixture f = new ConfigFixture(home.resolve("m" + mask));
    boolean user = (mask & 1) != 0;
    boolean backend = (mask & 2) != 0;
    boolean env = (mask & 4) != 0;
    boolean flag = (mask & 8) != 0;
    if (user) {
      f.userFile(key + " = " + row.userToml() + "\n");
    }
    if (backend) {
      f.backendFile(key + " = " + row.backendToml() + "\n");
    }
    if (env) {
      f.env("PREFECT__" + key.replace(".", "__").toUpperCase(), row.env());
    }
    FlagOverride[] flags =
        flag ? new FlagOverride[] {FlagOverride.of(key, row.flag(), "--x")} : new FlagOverride[0];

    ConfigEntry entry = f.resolve(flags).entry(key);

    Object expected =
        flag
            ? row.flagValue()
            : env
                ? row.envValue()
                : backend ? row.backendValue() : user ? row.userValue() : row.defaultValue();
    Origin.Level level =
        flag
            ? Origin.Level.FLAG
            : env
                ? Origin.Level.ENV
                : backend
                    ? Origin.Level.BACKEND_FILE
                    : user ? Origin.Level.USER_FILE : Origin.Level.DEFAULT;
    assertThat(entry.value()).isEqualTo(expected);
    assertThat(entry.origin().level()).isEqualTo(level);
  }
}
