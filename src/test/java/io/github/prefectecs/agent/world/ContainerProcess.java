package io.github.prefectecs.agent.world;

import io.github.prefectecs.agent.testsupport.SignalDefaults;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * One container's process. It runs in a session of its own (through {@code setsid}) so that, as in
 * a container, the whole tree dies with it: SIGTERM goes to the main process only ({@code docker
 * stop} signals PID 1), and when the main process ends or is SIGKILLed every process left in the
 * session is killed. Output (stdout and stderr in one pipe, as the log driver gets both) is read
 * line by line on a thread of its own.
 *
 * <p>Thread-safe.
 */
final class ContainerProcess {
  private static final boolean SETSID = Files.isExecutable(Path.of("/usr/bin/setsid"));
  private final Process process;
  private final String name;

  private ContainerProcess(Process process, String name) {
    this.process = process;
    this.name = name;
  }

  /**
   * Starts {@code spec}'s argv with exactly {@code environment} in {@code workDir}.
   *
   * @param onLine gets each output line, on the reader thread
   * @param onExit gets the exit code (128 + signal when killed) once the process has ended and its
   *     output has been read to the end, on the reader thread
   */
  static ContainerProcess start(
      ContainerSpec spec,
      java.util.Map<String, String> environment,
      Path workDir,
      String threadName,
      Consumer<String> onLine,
      IntConsumer onExit)
      throws IOException {
    List<String> argv = new ArrayList<>();
    if (SETSID) {
      argv.add("/usr/bin/setsid");
    }
    argv.addAll(SignalDefaults.argv(spec.argv()));
    ProcessBuilder builder =
        new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(environment);
    ContainerProcess container = new ContainerProcess(builder.start(), spec.name());
    // The container ends with its main process: nothing it left behind may outlive it (and keep
    // the output pipe open).
    container.process.onExit().thenRun(container::killSession);
    Thread reader = new Thread(() -> container.pump(onLine, onExit), threadName);
    reader.setDaemon(true);
    reader.start();
    return container;
  }

  private void pump(Consumer<String> onLine, IntConsumer onExit) {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        onLine.accept(line);
      }
    } catch (IOException e) {
      // The pipe broke: the process is gone; its exit code below says how it ended.
    }
    int code;
    try {
      code = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      code = 137;
    }
    onExit.accept(code);
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits up to {@code millis} for the main process to end; whether it has. */
  boolean awaitExit(long millis) throws InterruptedException {
    return process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  /** SIGTERM to the main process, as {@code docker stop} does first. */
  void terminate() {
    // Through the handle: Process.destroy() would also close the output pipe, losing what the
    // process prints while it stops.
    process.toHandle().destroy();
  }

  /** SIGKILL to the main process and everything in its session. */
  void kill() {
    process.toHandle().destroyForcibly();
    killSession();
  }

  private void killSession() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    if (!SETSID) {
      return;
    }
    try {
      // The session's processes form one group whose id is the main process's pid.
      Process kill =
          new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      // No kill(1): the descendants were killed above.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
