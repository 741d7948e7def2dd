package io.github.prefectecs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent ecs check} from the built jar, configured only by flags and the environment as a
 * user runs it (moto through {@code AWS_ENDPOINT_URL}, the Prefect double through {@code --api}):
 * exit 0 for a good set-up, 1 for a problem, 2 for bad configuration; never a stack trace or a
 * secret.
 */
@Timeout(180)
class CheckCommandJarIT {
  private static final String SECRET_KEY = "sekrit-key-42";
  private static MotoServer moto;
  private static PrefectServerDouble server;
  private static String securityGroup;
  @TempDir Path home;

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    server = PrefectServerDouble.start();
    try (MotoAccount account = MotoAccount.create(moto, "flows")) {
      securityGroup = account.securityGroup();
    }
  }

  @AfterAll
  static void stop() {
    server.close();
    moto.close();
  }

  private record Result(int exit, String out, String err) {}

  private Result check(boolean withRegion, String... args) throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).exists();
    Path template = home.resolve("task-definition.yaml");
    Files.writeString(
        template,
        "networkMode: awsvpc\ncpu: 1024\nmemory: 2048\ncontainerDefinitions:\n"
            + "  - name: flow\n    memory: 2048\n");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "ecs", "check"));
    command.addAll(
        List.of(
            "--api",
            server.uri().toString(),
            "--task-definition",
            template.toString(),
            "--security-group",
            securityGroup,
            "--label",
            "ecs"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("PREFECT__") || k.startsWith("AWS_"));
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("PREFECT__BACKEND", "server");
    env.put("PREFECT__CLOUD__API_KEY", SECRET_KEY);
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "aws-secret-99");
    if (withRegion) {
      env.put("AWS_REGION", "us-east-1");
    }
    builder.environment().putAll(env);
    Path out = home.resolve("out.txt");
    Path err = home.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    Result result = new Result(process.exitValue(), read(out), read(err));
    assertThat(result.out() + result.err())
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain(SECRET_KEY)
        .doesNotContain("aws-secret-99");
    return result;
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void goodSetUpExitsZeroWithOneOkLinePerCheck() throws Exception {
    Result r = check(true, "--cluster", "flows");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out().lines().filter(l -> l.contains(": ok ("))).hasSizeGreaterThanOrEqualTo(10);
    assertThat(r.out()).contains("ECS cluster: ok (flows is ACTIVE in us-east-1)");
    assertThat(r.out()).doesNotContain("problem");
    assertThat(server.agents()).as("check registers no agent").isEmpty();
  }

  @Test
  void aProblemExitsOneAndSaysHowToFixIt() throws Exception {
    Result r = check(true, "--cluster", "missing-cluster");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "ECS cluster: problem: cluster missing-cluster not found in us-east-1; fix: create it");
  }

  @Test
  void noAwsRegionIsAProblemLineNotAStackTrace() throws Exception {
    Result r = check(false, "--cluster", "flows");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("AWS: problem: the AWS region is not set; fix: set AWS_REGION");
  }

  @Test
  void badConfigurationExitsTwo() throws Exception {
    Result r = check(true, "--launch-type", "FARGATE", "--capacity-provider-strategy", "FARGATE:1");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains("launch type");
  }
}
