package io.github.prefectecs.agent.world;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built agent ({@code target/agent.jar ecs start}) as its own process, configured by
 * environment variables only, its output in a file. Thread-safe.
 */
public final class AgentJar implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AgentJar(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code jar} with exactly {@code environment} (plus {@code PATH} and {@code HOME}). */
  public static AgentJar start(Path jar, Map<String, String> environment, Path workDir) {
    try {
      Files.createDirectories(workDir);
      Path log = workDir.resolve("agent.log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder =
          new ProcessBuilder(List.of(java, "-jar", jar.toAbsolutePath().toString(), "ecs", "start"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      Map<String, String> env = builder.environment();
      env.clear();
      env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      env.put("HOME", workDir.toString());
      env.putAll(environment);
      return new AgentJar(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + jar, e);
    }
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** What the agent has printed so far. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** SIGTERM, as ECS stops a service task; the exit code, or -1 if it had to be killed. */
  public int stop(Duration timeout) throws InterruptedException {
    process.toHandle().destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
