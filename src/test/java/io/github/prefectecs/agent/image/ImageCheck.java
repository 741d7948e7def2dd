package io.github.prefectecs.agent.image;

import io.github.prefectecs.agent.demo.DemoEnvironment;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@code scripts/image-test}: starts the built image as an operator would (environment variables
 * only, host network) against the moto AWS emulator and the Prefect Server double, and checks that
 * it launches the scheduled runs, that its HEALTHCHECK turns healthy, and that {@code docker stop}
 * ends it with exit code 0 inside the drain time. One {@code image-test: PASS|FAIL} line per check;
 * exits 1 when one fails. Arguments: the image, then the docker client to use.
 */
public final class ImageCheck {
  private static final int RUNS = 3;
  private static final int HEALTH_PORT = 8080;

  /** ECS's stopTimeout in task-definition.json: the time the agent has to drain on SIGTERM. */
  private static final Duration DRAIN = Duration.ofSeconds(120);

  private final String docker;
  private final String image;
  private final String container = "prefect-ecs-agent-check-" + ProcessHandle.current().pid();
  private boolean failed;

  private ImageCheck(String image, String docker) {
    this.image = image;
    this.docker = docker;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ImageCheck IMAGE [DOCKER_CLIENT]");
      System.exit(2);
    }
    ImageCheck check = new ImageCheck(args[0], args.length > 1 ? args[1] : "docker");
    check.run();
    System.exit(check.failed ? 1 : 0);
  }

  private void run() throws Exception {
    if (!portFree(HEALTH_PORT)) {
      result(
          false,
          "port "
              + HEALTH_PORT
              + " is free for the image's health server (busy: stop"
              + " whatever listens there and run again)");
      return;
    }
    try (DemoEnvironment env = DemoEnvironment.start()) {
      List<String> runs = env.scheduleRuns(RUNS);
      Path template = env.writeTaskDefinition();
      template.toFile().setReadable(true, false);
      Path envFile = Files.createTempFile("image-check", ".env");
      StringBuilder lines = new StringBuilder();
      for (Map.Entry<String, String> e : env.agentEnvironment("/task-definition.yaml").entrySet()) {
        lines.append(e.getKey()).append('=').append(e.getValue()).append('\n');
      }
      Files.writeString(envFile, lines.toString());
      try {
        Result started =
            docker(
                "run",
                "-d",
                "--name",
                container,
                "--network",
                "host",
                "--env-file",
                envFile.toString(),
                "-v",
                template + ":/task-definition.yaml:ro",
                image);
        if (started.code != 0) {
          result(false, "the image starts with environment variables only: " + started.output);
          return;
        }
        checkLaunches(env, runs);
        checkHealthy();
        checkStop();
      } finally {
        Files.deleteIfExists(envFile);
        docker("rm", "-f", container);
      }
    }
  }

  private void checkLaunches(DemoEnvironment env, List<String> runs) throws Exception {
    Instant start = Instant.now();
    boolean all = await(Duration.ofSeconds(150), () -> env.allSubmitted() || !running());
    all = all && env.allSubmitted();
    long tasks = env.tasks().stream().filter(t -> runs.contains(t.startedBy())).count();
    result(
        all && tasks == runs.size(),
        String.format(
            "env vars only, --network host: %d scheduled runs Submitted, %d tasks in the moto"
                + " cluster started by them (%d s)",
            runs.stream().filter(id -> "Submitted".equals(env.prefect().flowRunState(id))).count(),
            tasks,
            Duration.between(start, Instant.now()).toSeconds()));
    if (!all) {
      System.out.println(docker("logs", "--tail", "40", container).output);
    }
  }

  private void checkHealthy() throws Exception {
    Instant start = Instant.now();
    // The image's own interval (30 s) and start period apply: healthy comes with the first probe.
    boolean healthy = await(Duration.ofSeconds(150), () -> !"starting".equals(health()));
    String status = health();
    result(
        healthy && "healthy".equals(status),
        String.format(
            "HEALTHCHECK turns healthy (status %s after %d s)",
            status, Duration.between(start, Instant.now()).toSeconds()));
  }

  private void checkStop() throws Exception {
    Instant start = Instant.now();
    Result stop = docker("stop", "-t", Long.toString(DRAIN.toSeconds()), container);
    long seconds = Duration.between(start, Instant.now()).toSeconds();
    String exit = docker("inspect", "-f", "{{.State.ExitCode}}", container).output.trim();
    String logs = docker("logs", "--tail", "20", container).output;
    boolean clean = stop.code == 0 && "0".equals(exit) && seconds < DRAIN.toSeconds();
    result(
        clean && logs.contains("Agent stopped"),
        String.format(
            "docker stop (SIGTERM to java as PID 1): exit code %s after %d s, drain time %d s",
            exit, seconds, DRAIN.toSeconds()));
  }

  private boolean running() {
    try {
      return "true".equals(docker("inspect", "-f", "{{.State.Running}}", container).output.trim());
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String health() {
    try {
      return docker("inspect", "-f", "{{.State.Health.Status}}", container).output.trim();
    } catch (IOException e) {
      return "unknown: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private void result(boolean ok, String what) {
    System.out.println("image-test: " + (ok ? "PASS  " : "FAIL  ") + what);
    failed |= !ok;
  }

  private static boolean await(Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) {
        return true;
      }
      LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    }
    return condition.getAsBoolean();
  }

  private static boolean portFree(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Result docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(docker));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(DRAIN.toSeconds() + 30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Result(-1, "timed out: " + String.join(" ", command));
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private record Result(int code, String output) {}
}
