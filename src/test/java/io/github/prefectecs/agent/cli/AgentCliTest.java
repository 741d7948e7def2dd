package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.config.ConfigException;
import io.github.prefectecs.agent.config.LogForwarding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentCliTest {
  @TempDir Path home;

  static final String[] ALL_FLAGS = {
    "--key",
    "-k",
    "--tenant-id",
    "--api",
    "-a",
    "--agent-config-id",
    "--name",
    "-n",
    "--label",
    "-l",
    "--env",
    "-e",
    "--max-polls",
    "--agent-address",
    "--no-cloud-logs",
    "--log-level",
    "--token",
    "-t",
    "--cluster",
    "--launch-type",
    "--task-role-arn",
    "--execution-role-arn",
    "--task-definition",
    "--run-task-kwargs",
    "--capacity-provider-strategy",
    "--subnet",
    "--security-group",
    "--assign-public-ip",
    "--log-group",
    "--forward-logs",
    "--max-concurrent-launches",
    "--log-format",
    "--api-key-secret-arn",
    "--max-run-task-rate",
    "--help",
    "--version"
  };

  private CliRun run(String... args) {
    return CliRun.run(Map.of(), home, args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ecs start", "config show"})
  void helpListsEveryFlag(String command) {
    String[] args = (command + " --help").split(" ");
    CliRun r = run(args);
    assertThat(r.exitCode).isZero();
    for (String flag : ALL_FLAGS) {
      assertThat(r.out).contains(flag + (flag.startsWith("--") ? "" : ","));
    }
    assertThat(r.started).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h", "ecs --help", "config -h"})
  void helpOnEveryCommandExitsZero(String args) {
    CliRun r = run(args.split(" "));
    assertThat(r.exitCode).isZero();
    assertThat(r.out).startsWith("Usage: agent");
  }

  @Test
  void versionNamesProjectAndCoreApi() {
    CliRun r = run("--version");
    assertThat(r.exitCode).isZero();
    assertThat(r.out.strip())
        .matches(
            "prefect-ecs-agent \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Prefect core API 0\\.15\\.13\\)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ecs",
        "config",
        "ecs stop",
        "ecs start --nope",
        "ecs start extra",
        "ecs start --max-polls many",
        "ecs start --key"
      })
  void usageErrorsExitTwoWithOneLineAndAHint(String args) {
    CliRun r = run(args.isEmpty() ? new String[0] : args.split(" "));
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err.lines()).hasSize(2);
    assertThat(r.err.lines().findFirst().orElseThrow()).startsWith("error: ");
    assertThat(r.err).containsPattern("Try 'agent( ecs| config)?( start)? --help'");
    assertThat(r.started).isEmpty();
  }

  @Test
  void startPassesReferenceFlagsToTheAgent() {
    CliRun r =
        run(
            "ecs",
            "start",
            "--token",
            "TEST-TOKEN",
            "--api",
            "http://test-api:4200",
            "--agent-config-id",
            "TEST-AGENT-CONFIG-ID",
            "--name",
            "TEST-NAME",
            "-l",
            "label2",
            "-l",
            "label1",
            "-l",
            "label2",
            "-e",
            "KEY1=VALUE1",
            "-e",
            "KEY2=VALUE2",
            "-e",
            "KEY3=VALUE=WITH=EQUALS",
            "--max-polls",
            "10",
            "--agent-address",
            "127.0.0.1:8080",
            "--log-level",
            "debug",
            "--no-cloud-logs",
            "-k",
            "BAR",
            "--tenant-id",
            "T1");
    assertThat(r.exitCode).isZero();
    AgentConfig c = r.config();
    assertThat(c.authToken().reveal()).isEqualTo("TEST-TOKEN");
    assertThat(c.api()).hasToString("http://test-api:4200");
    assertThat(c.agentConfigId()).isEqualTo("TEST-AGENT-CONFIG-ID");
    assertThat(c.name()).isEqualTo("TEST-NAME");
    assertThat(c.labels()).containsExactly("label2", "label1");
    assertThat(c.envVars())
        .containsExactly(
            Map.entry("KEY1", "VALUE1"),
            Map.entry("KEY2", "VALUE2"),
            Map.entry("KEY3", "VALUE=WITH=EQUALS"));
    assertThat(c.maxPolls()).isEqualTo(10);
    assertThat(c.agentAddress()).hasToString("http://127.0.0.1:8080");
    assertThat(c.agentLogLevel()).isEqualTo("DEBUG");
    assertThat(c.sendFlowRunLogs()).isFalse();
    assertThat(c.apiKey().reveal()).isEqualTo("BAR");
    assertThat(c.tenantId()).isEqualTo("T1");
    assertThat(r.err).contains("warning: --token is deprecated").doesNotContain("TEST-TOKEN");
  }

  @Test
  void startPassesEcsFlagsToTheAgent() throws Exception {
    Path td = Files.writeString(home.resolve("task-definition-path.yaml"), "cpu: 256\n");
    Path kw = Files.writeString(home.resolve("run-task-kwargs-path.yaml"), "{}\n");
    CliRun r =
        run(
            "ecs",
            "start",
            "--cluster",
            "TEST-CLUSTER",
            "--launch-type",
            "ec2",
            "--task-role-arn",
            "TEST-TASK-ROLE-ARN",
            "--execution-role-arn",
            "TEST-EXEC-ARN",
            "--task-definition",
            td.toString(),
            "--run-task-kwargs",
            kw.toString(),
            "--subnet",
            "subnet-1",
            "--subnet",
            "subnet-2",
            "--security-group",
            "sg-1",
            "--assign-public-ip",
            "DISABLED",
            "--log-group",
            "/ecs/flows",
            "--forward-logs",
            "all",
            "--api-key-secret-arn",
            "arn:aws:secretsmanager:us-east-1:1:secret:k",
            "--max-concurrent-launches",
            "3",
            "--log-format",
            "json");
    assertThat(r.exitCode).isZero();
    AgentConfig c = r.config();
    assertThat(c.ecs().cluster()).isEqualTo("TEST-CLUSTER");
    assertThat(c.ecs().launchType()).isEqualTo("EC2");
    assertThat(c.ecs().capacityProviderStrategy()).isEmpty();
    assertThat(c.ecs().taskRoleArn()).isEqualTo("TEST-TASK-ROLE-ARN");
    assertThat(c.ecs().executionRoleArn()).isEqualTo("TEST-EXEC-ARN");
    assertThat(c.ecs().taskDefinitionPath()).isEqualTo(td.toString());
    assertThat(c.ecs().runTaskKwargsPath()).isEqualTo(kw.toString());
    assertThat(c.ecs().subnets()).containsExactly("subnet-1", "subnet-2");
    assertThat(c.ecs().securityGroups()).containsExactly("sg-1");
    assertThat(c.ecs().assignPublicIp()).isFalse();
    assertThat(c.logs().logGroup()).isEqualTo("/ecs/flows");
    assertThat(c.logs().forwardLogs()).isEqualTo(LogForwarding.ALL);
    assertThat(c.ecs().apiKeySecretArn()).isEqualTo("arn:aws:secretsmanager:us-east-1:1:secret:k");
    assertThat(c.maxConcurrentLaunches()).isEqualTo(3);
    assertThat(c.jsonLogs()).isTrue();
  }

  @Test
  void strategyFlagAndDefaults() {
    assertThat(run("ecs", "start").config().ecs().capacityProviderStrategy())
        .containsExactly(
            new CapacityProviderItem("FARGATE_SPOT", 3, 0),
            new CapacityProviderItem("FARGATE", 2, 0));
    assertThat(
            run("ecs", "start", "--capacity-provider-strategy", "FARGATE_SPOT:weight=3:base=1")
                .config()
                .ecs()
                .capacityProviderStrategy())
        .containsExactly(new CapacityProviderItem("FARGATE_SPOT", 3, 1));
    assertThat(
            run("ecs", "start", "--capacity-provider-strategy", "default")
                .config()
                .ecs()
                .useClusterDefaultStrategy())
        .isTrue();
  }

  @Test
  void startReturnsTheAgentsExitCode() {
    CliRun r = CliRun.run(Map.of(), home, config -> 0, "ecs", "start");
    assertThat(r.exitCode).isZero();
    CliRun failed = CliRun.run(Map.of(), home, config -> 1, "ecs", "start");
    assertThat(failed.exitCode).isEqualTo(1);
  }

  @Test
  void unexpectedFailureIsOneLineAndExitOne() {
    CliRun r =
        CliRun.run(
            Map.of(),
            home,
            config -> {
              throw new IllegalStateException("boom");
            },
            "ecs",
            "start");
    assertThat(r.exitCode).isEqualTo(1);
    assertThat(r.err.strip())
        .isEqualTo("error: unexpected failure: java.lang.IllegalStateException: boom");
  }

  @Test
  void configExceptionFromTheAgentExitsTwo() {
    CliRun r =
        CliRun.run(
            Map.of(),
            home,
            config -> {
              throw new ConfigException("cloud.x: bad; fix it");
            },
            "ecs",
            "start");
    assertThat(r.exitCode).isEqualTo(2);
    assertThat(r.err.strip()).isEqualTo("error: cloud.x: bad; fix it");
  }
}
