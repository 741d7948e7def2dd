package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigShowTest {
  @TempDir Path home;

  private Path userFile(String toml) throws Exception {
    Path file = home.resolve(".prefect/config.toml");
    Files.createDirectories(file.getParent());
    return Files.writeString(file, toml);
  }

  private static String line(CliRun r, String key) {
    return r.out
        .lines()
        .filter(l -> l.startsWith(key + " = "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + key + " in\n" + r.out));
  }

  @Test
  void showsFileEnvAndFlagPrecedenceWithSources() throws Exception {
    Path file =
        userFile(
            "[cloud.agent]\nname = \"from-file\"\nlabels = [\"file\"]\n"
                + "[cloud.agent.ecs]\ncluster = \"file-cluster\"\nlog_group = \"/file\"\n");
    CliRun r =
        CliRun.run(
            Map.of(
                "PREFECT__CLOUD__AGENT__LABELS", "['env']",
                "PREFECT__CLOUD__AGENT__ECS__CLUSTER", "env-cluster",
                "PREFECT__CLOUD__AGENT__NAME", "from-env"),
            home,
            "config",
            "show",
            "--name",
            "from-flag");
    assertThat(r.exitCode).isZero();
    assertThat(line(r, "cloud.agent.name"))
        .matches("cloud.agent.name = \"from-flag\" +\\(flag --name\\)");
    assertThat(line(r, "cloud.agent.labels"))
        .matches("cloud.agent.labels = \\[\"env\"\\] +\\(env PREFECT__CLOUD__AGENT__LABELS\\)");
    assertThat(line(r, "cloud.agent.ecs.cluster"))
        .endsWith("(env PREFECT__CLOUD__AGENT__ECS__CLUSTER)");
    assertThat(line(r, "cloud.agent.ecs.log_group")).endsWith("(" + file + ":6)");
    assertThat(line(r, "cloud.agent.level")).matches("cloud.agent.level = \"INFO\" +\\(default\\)");
    assertThat(r.started).isEmpty();
  }

  @Test
  void showsTheRunTaskRateCapAndRejectsABadOneInOneLine() {
    CliRun shown = CliRun.run(Map.of(), home, "config", "show", "--max-run-task-rate", "6.5");
    assertThat(shown.exitCode).isZero();
    assertThat(line(shown, "cloud.agent.ecs.max_run_task_rate"))
        .matches("cloud.agent.ecs.max_run_task_rate = 6.5 +\\(flag --max-run-task-rate\\)");

    CliRun bad =
        CliRun.run(
            Map.of("PREFECT__CLOUD__AGENT__ECS__MAX_RUN_TASK_RATE", "-2"), home, "ecs", "start");
    assertThat(bad.exitCode).isEqualTo(2);
    assertThat(bad.err)
        .contains("cloud.agent.ecs.max_run_task_rate = -2")
        .contains("must be more than 0 and at most 1000 RunTask calls per second");
    assertThat(bad.started).isEmpty();
  }

  @Test
  void showsKeysSortedAndAligned() {
    CliRun r = CliRun.run(Map.of(), home, "config", "show");
    List<String> keys = r.out.lines().map(l -> l.substring(0, l.indexOf(" = "))).toList();
    assertThat(keys).isSorted().contains("backend", "cloud.api", "cloud.agent.ecs.subnets");
    assertThat(r.out.lines().map(l -> l.indexOf("    (")).distinct()).hasSize(1);
  }

  @Test
  void showsWhereAnInterpolatedValueCameFrom() {
    CliRun r =
        CliRun.run(
            Map.of("PREFECT__BACKEND", "server", "PREFECT__SERVER__HOST", "http://prefect-server"),
            home,
            "config",
            "show");
    assertThat(line(r, "cloud.api"))
        .startsWith("cloud.api = \"http://prefect-server:4200\"")
        .contains(
            "(interpolated: ${${backend}.endpoint} from default; backend from env"
                + " PREFECT__BACKEND, server.endpoint from default");
    assertThat(line(r, "server.endpoint")).contains("server.host from env PREFECT__SERVER__HOST");
  }

  @Test
  void neverPrintsSecrets() throws Exception {
    userFile("[context.secrets]\nDB_PASSWORD = \"file-secret-1\"\n");
    CliRun r =
        CliRun.run(
            Map.of(
                "PREFECT__CLOUD__AGENT__AUTH_TOKEN",
                "env-token-2",
                "PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS",
                "{\"ACCESS_KEY\": \"AKIA-3\", \"SECRET_ACCESS_KEY\": \"aws-secret-4\"}",
                "PREFECT__CLOUD__AGENT__ENV_VARS",
                "{\"PLAIN\": \"visible\", \"MY_TOKEN\": \"env-var-secret-5\"}"),
            home,
            "config",
            "show",
            "--key",
            "flag-key-6",
            "--log-level",
            "nope");
    String all = r.out + r.err;
    for (String secret :
        List.of(
            "file-secret-1",
            "env-token-2",
            "AKIA-3",
            "aws-secret-4",
            "env-var-secret-5",
            "flag-key-6")) {
      assertThat(all).doesNotContain(secret);
    }
    assertThat(line(r, "cloud.api_key")).startsWith("cloud.api_key = ***");
    assertThat(line(r, "cloud.agent.auth_token")).startsWith("cloud.agent.auth_token = ***");
    assertThat(line(r, "context.secrets.DB_PASSWORD"))
        .startsWith("context.secrets.DB_PASSWORD = ***");
    assertThat(line(r, "context.secrets.AWS_CREDENTIALS")).contains("= ***");
    assertThat(line(r, "cloud.agent.env_vars"))
        .contains("PLAIN = \"visible\"")
        .contains("MY_TOKEN = ***");
    // The invalid level still makes the command fail, after printing the table.
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err).contains("unknown log level");
  }

  @Test
  void emptySecretsShowAsEmpty() {
    CliRun r = CliRun.run(Map.of(), home, "config", "show");
    assertThat(line(r, "cloud.api_key")).startsWith("cloud.api_key = \"\"");
  }
}
