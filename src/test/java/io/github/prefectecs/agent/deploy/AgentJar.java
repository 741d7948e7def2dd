package io.github.prefectecs.agent.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code target/agent.jar} as its own process, configured by environment variables only
 * (the caller's settings, a free health port, nothing inherited from the test's environment that
 * starts with {@code PREFECT__} or {@code AWS_}).
 *
 * <p>Not thread-safe.
 */
final class AgentJar implements AutoCloseable {
  static final Path JAR = Path.of("target", "agent.jar");

  private final Map<String, String> environment;
  private final Path workDir;
  private Process agent;
  private Path agentLog;

  /** An exit code and what the process printed. */
  record Run(int exitCode, String output) {}

  AgentJar(Map<String, String> environment) throws IOException {
    this.environment = Map.copyOf(environment);
    this.workDir = Files.createTempDirectory("prefect-ecs-agent-jar");
  }

  /** Starts {@code ecs start}. */
  void start() throws IOException {
    agentLog = workDir.resolve("agent.log");
    agent = command("start", agentLog).start();
  }

  /** Runs {@code ecs check} with the same environment; its exit code and output. */
  Run check() throws IOException, InterruptedException {
    Path log = workDir.resolve("check.log");
    Process check = command("check", log).start();
    if (!check.waitFor(120, TimeUnit.SECONDS)) {
      check.destroyForcibly();
      return new Run(-1, Files.readString(log));
    }
    return new Run(check.exitValue(), Files.readString(log));
  }

  private ProcessBuilder command(String command, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(java, "-jar", JAR.toAbsolutePath().toString(), "ecs", command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("PREFECT__") || k.startsWith("AWS_"));
    env.put("HOME", workDir.toString());
    env.putAll(environment);
    env.put("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://127.0.0.1:" + freePort());
    return builder;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  boolean alive() {
    return agent != null && agent.isAlive();
  }

  String log() {
    try {
      return agentLog == null ? "" : Files.readString(agentLog);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM, as ECS stops a service's task; the exit code, or -1 after {@code timeout}. */
  int stop(Duration timeout) throws InterruptedException {
    agent.destroy();
    if (!agent.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      agent.destroyForcibly();
      return -1;
    }
    return agent.exitValue();
  }

  @Override
  public void close() {
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly();
    }
  }
}
