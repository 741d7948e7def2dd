package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input through the real entry point: exit code 2, one line each, no stack trace. */
class CliErrorsTest {
  @TempDir Path home;

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(
            "--env NOEQUALS",
            Map.of(),
            "error: flag --env \"NOEQUALS\": expected KEY=VALUE with a non-empty KEY; write e.g."
                + " --env MY_VAR=value"),
        Arguments.of("--env =v", Map.of(), "error: flag --env \"=...\": expected KEY=VALUE"),
        Arguments.of(
            "--launch-type EC2 --capacity-provider-strategy FARGATE",
            Map.of(),
            "error: cloud.agent.ecs.launch_type (from flag --launch-type) and"
                + " cloud.agent.ecs.capacity_provider_strategy (from flag"
                + " --capacity-provider-strategy): a launch type and a capacity provider strategy"
                + " cannot be used together; choose one"),
        Arguments.of(
            "--launch-type EXTERNAL",
            Map.of(),
            "error: cloud.agent.ecs.launch_type = \"EXTERNAL\" (from flag --launch-type): unknown"
                + " launch type; use FARGATE or EC2"),
        Arguments.of(
            "--log-level verbose",
            Map.of(),
            "error: cloud.agent.level = \"verbose\" (from flag --log-level): unknown log level;"
                + " use one of DEBUG, INFO, WARNING, ERROR"),
        Arguments.of("--log-format xml", Map.of(), "(from flag --log-format): unknown log format"),
        Arguments.of(
            "--agent-address 127.0.0.1",
            Map.of(),
            "error: cloud.agent.agent_address = \"127.0.0.1\" (from flag --agent-address): the"
                + " port is missing"),
        Arguments.of(
            "--task-definition /no/such/file.yaml",
            Map.of(),
            "(from flag --task-definition): no such file"),
        Arguments.of(
            "--run-task-kwargs /no/such/kw.yaml",
            Map.of(),
            "(from flag --run-task-kwargs): no such file"),
        Arguments.of("--max-concurrent-launches 0", Map.of(), "must be between 1 and 10000"),
        Arguments.of(
            "--api localhost:4200",
            Map.of(),
            "error: cloud.api = \"localhost:4200\" (from flag --api): not an http(s) URL"),
        Arguments.of(
            "--capacity-provider-strategy A:base=1,B:base=2",
            Map.of(),
            "only one capacity provider may have a base"),
        Arguments.of(
            "--capacity-provider-strategy A:weight=0",
            Map.of(),
            "at least one capacity provider needs a weight above 0"),
        Arguments.of(
            "--assign-public-ip sometimes", Map.of(), "expected ENABLED, DISABLED, true or false"),
        Arguments.of(
            "",
            Map.of("PREFECT__BACKEND", "serv"),
            "error: backend = \"serv\" (from env PREFECT__BACKEND): unknown backend"),
        Arguments.of("", Map.of("PREFECT__CLOUD__REQUEST_TIMEOUT", "0"), "must be more than 0"),
        Arguments.of(
            "",
            Map.of("PREFECT__USER_CONFIG_PATH", "/no/such/config.toml"),
            "error: PREFECT__USER_CONFIG_PATH names /no/such/config.toml, which does not exist"));
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("badInputs")
  void startRejectsBadInput(String flags, Map<String, String> env, String expected) {
    String[] args = ("ecs start " + flags).strip().split(" ");
    CliRun r = CliRun.run(env, home, args);
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err).contains(expected).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(r.err.lines()).allSatisfy(line -> assertThat(line).startsWith("error: "));
    assertThat(r.started).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("badInputs")
  void configShowRejectsTheSameInput(String flags, Map<String, String> env, String expected) {
    String[] args = ("config show " + flags).strip().split(" ");
    CliRun r = CliRun.run(env, home, args);
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err).contains(expected).doesNotContain("\tat ");
  }

  @Test
  void allProblemsAreReportedTogether() {
    CliRun r =
        CliRun.run(
            Map.of("PREFECT__CLOUD__AGENT__LABELS", "dev"),
            home,
            "ecs",
            "start",
            "--env",
            "X",
            "--log-level",
            "loud",
            "--launch-type",
            "EC3");
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err.lines()).hasSize(4);
  }

  @Test
  void invalidTomlNamesFileLineAndColumn() throws Exception {
    Path file = home.resolve(".prefect/config.toml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "[cloud.agent]\nname = \"a\"\nlabels = [\"x\",\n");
    CliRun r = CliRun.run(new HashMap<>(), home, "ecs", "start");
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err.strip()).startsWith("error: " + file + ":4:1: invalid TOML: ");
    assertThat(r.err.lines()).hasSize(1);
  }
}
