package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as a user runs it: help, bad input, missing AWS region; exit codes and output. */
@Timeout(120)
class JarCommandLineIT {
  @TempDir Path home;

  private record Result(int exit, String out, String err) {}

  private Result run(Map<String, String> env, String... args) throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("PREFECT__") || k.startsWith("AWS_"));
    builder.environment().put("HOME", home.toString());
    builder.environment().putAll(env);
    Path out = home.resolve("out.txt");
    Path err = home.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), read(out), read(err));
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void startHelpListsEveryFlagOfTheReferenceAndOurs() throws Exception {
    Result r = run(Map.of(), "ecs", "start", "--help");
    assertThat(r.exit()).isZero();
    for (String flag : AgentCliTest.ALL_FLAGS) {
      if (flag.equals("--version")) {
        continue; // a flag of the top command, not of `ecs start`
      }
      assertThat(r.out()).as("help mentions %s", flag).containsPattern("(^|[ ,])" + flag + "[ ,=]");
    }
  }

  @Test
  void aMissingAwsRegionIsOneLineAndExitCodeTwo() throws Exception {
    Result r = run(Map.of("PREFECT__BACKEND", "server"), "ecs", "start");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo(
            "error: the AWS region is not set; set AWS_REGION (ECS and Fargate set it for you) or"
                + " a region in the AWS profile");
  }

  @Test
  void badConfigurationIsReportedWholeWithExitCodeTwoAndNoSecret() throws Exception {
    Result r =
        run(
            Map.of("PREFECT__BACKEND", "serv", "PREFECT__CLOUD__API_KEY", "sekrit-123"),
            "ecs",
            "start",
            "--env",
            "NOEQUALS",
            "--launch-type",
            "FARGATE",
            "--capacity-provider-strategy",
            "FARGATE_SPOT:weight=1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().filter(l -> l.startsWith("error: ")).count())
        .isGreaterThanOrEqualTo(3);
    assertThat(r.err()).contains("backend").contains("--env").contains("launch type");
    assertThat(r.out() + r.err()).doesNotContain("sekrit-123").doesNotContain("Exception");
  }

  @Test
  void configShowRedactsTheKeyAndNamesTheSources() throws Exception {
    Result r =
        run(
            Map.of("PREFECT__BACKEND", "server", "PREFECT__CLOUD__API_KEY", "sekrit-123"),
            "config",
            "show",
            "--label",
            "dev");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).doesNotContain("sekrit-123").contains("***");
    assertThat(r.out())
        .containsPattern("cloud\\.api = \"http://localhost:4200\"\\s+\\(interpolated");
    assertThat(r.out()).containsPattern("backend = \"server\"\\s+\\(env PREFECT__BACKEND\\)");
    assertThat(r.out())
        .containsPattern("cloud\\.agent\\.labels = \\[\"dev\"\\]\\s+\\(flag --label\\)");
  }
}
