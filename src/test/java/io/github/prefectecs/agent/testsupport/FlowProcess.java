package io.github.prefectecs.agent.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local process of Prefect's (the flow runner, or the registration script) with a clean
 * environment of its own and a temporary home and working directory; stdout and stderr go to one
 * file, readable while it runs. Its child processes (the flow runner's heartbeat process) end with
 * it, as a container's processes do.
 *
 * <p>Thread-safe. {@link #close()} kills what still runs and deletes the directory.
 */
public final class FlowProcess implements AutoCloseable {
  private final Process process;
  private final Path directory;
  private final Path output;
  private final List<ProcessHandle> children = new ArrayList<>();

  private FlowProcess(Process process, Path directory, Path output) {
    this.process = process;
    this.directory = directory;
    this.output = output;
  }

  /**
   * Starts {@code command} with exactly {@code environment} plus {@code PATH}, {@code HOME} (the
   * process's own directory) and a UTF-8 locale.
   */
  public static FlowProcess start(List<String> command, Map<String, String> environment) {
    try {
      Path directory = Files.createTempDirectory("flow-process");
      Path output = directory.resolve("output.log");
      ProcessBuilder builder =
          new ProcessBuilder(SignalDefaults.argv(command))
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      Map<String, String> env = builder.environment();
      env.clear();
      env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      env.put("HOME", directory.toString());
      env.put("LANG", "C.UTF-8");
      env.putAll(environment);
      return new FlowProcess(builder.start(), directory, output);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the exit and returns the exit code; fails with the output after {@code timeout}. */
  public int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            "process " + pid() + " still runs after " + timeout + "; output:\n" + output());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for process " + pid(), e);
    }
  }

  /** Everything it printed so far (stdout and stderr, interleaved as written). */
  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a line of its output so far contains {@code text}. */
  public boolean printed(String text) {
    return output().lines().anyMatch(line -> line.contains(text));
  }

  /** SIGKILL to the process and its children, as an OOM kill or a lost host ends a container. */
  public void kill() {
    rememberChildren();
    process.destroyForcibly();
    killChildren();
  }

  /**
   * SIGTERM to the process (ECS's stop signal to a container's first process); its children are
   * killed once it has exited, as the container's end does. Returns the exit code.
   */
  public int terminate(Duration timeout) {
    rememberChildren();
    process.destroy();
    try {
      return waitFor(timeout);
    } finally {
      killChildren();
    }
  }

  private synchronized void rememberChildren() {
    process.descendants().forEach(children::add);
  }

  private synchronized void killChildren() {
    children.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
      waitFor(Duration.ofSeconds(10));
    }
    killChildren();
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + directory, e);
    }
  }
}
