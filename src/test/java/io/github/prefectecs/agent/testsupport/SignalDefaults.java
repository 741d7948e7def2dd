package io.github.prefectecs.agent.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts flow processes with SIGINT and SIGQUIT at their defaults, as ECS starts a container, also
 * when the test JVM itself was started with them ignored (a background job of a non-interactive
 * shell is, and an ignored signal stays ignored across exec). Prefect 0.15 cancels a running flow
 * by sending SIGINT to its own main thread; with SIGINT ignored the flow would run on. Stateless.
 */
public final class SignalDefaults {
  private static final int SIGINT = 2;
  private static final int SIGQUIT = 3;
  private static final String RESET_THEN_EXEC =
      "import os, signal, sys\n"
          + "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
          + "signal.signal(signal.SIGQUIT, signal.SIG_DFL)\n"
          + "os.execvp(sys.argv[1], sys.argv[1:])\n";
  private static final boolean INHERITED_IGNORED = ignored(SIGINT) || ignored(SIGQUIT);
  private static volatile List<String> resetCommand;

  private SignalDefaults() {}

  /** {@code argv}, run through a reset of both signals when this JVM has either ignored. */
  public static List<String> argv(List<String> argv) {
    return INHERITED_IGNORED ? withReset(argv) : argv;
  }

  /** {@code argv} behind a command that sets both signals to default, then execs it. */
  static List<String> withReset(List<String> argv) {
    List<String> reset = resetCommand;
    if (reset == null) {
      reset = resetCommand();
      resetCommand = reset;
    }
    List<String> out = new ArrayList<>(reset);
    out.addAll(argv);
    return out;
  }

  /** Whether this process ignores {@code signal} (the SigIgn mask of /proc/self/status). */
  static boolean ignored(int signal) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          return (mask & (1L << (signal - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false; // not Linux: nothing to reset
    }
    return false;
  }

  /**
   * GNU env's {@code --default-signal} (coreutils 8.31 and later) where it is there: it changes
   * nothing else. Else a Python one-liner; Python then adds {@code LC_CTYPE} to an environment that
   * names no locale (PEP 538), which the flow processes' environments always do.
   */
  private static List<String> resetCommand() {
    for (String env : List.of("/usr/bin/env", "/bin/env")) {
      if (Files.isExecutable(Path.of(env))) {
        try {
          Process p =
              new ProcessBuilder(env, "--default-signal=INT,QUIT", "true")
                  .redirectErrorStream(true)
                  .start();
          p.getInputStream().readAllBytes();
          if (p.waitFor() == 0) {
            return List.of(env, "--default-signal=INT,QUIT");
          }
        } catch (IOException e) {
          // try the next
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return pythonReset();
  }

  /** The Python one-liner that resets both signals, then execs its arguments. */
  static List<String> pythonReset() {
    return List.of(python(), "-c", RESET_THEN_EXEC);
  }

  /**
   * The Python interpreter itself: a version manager's shim (pyenv) on the PATH would add its own
   * variables to the environment the flow process gets, so the shim is asked for its executable.
   */
  private static String python() {
    String onPath = "/usr/bin/python3";
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "python3");
      if (Files.isExecutable(candidate)) {
        onPath = candidate.toAbsolutePath().toString();
        break;
      }
    }
    try {
      Process p =
          new ProcessBuilder(onPath, "-c", "import sys; print(sys.executable)")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 && Files.isExecutable(Path.of(out)) ? out : onPath;
    } catch (IOException e) {
      return onPath;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return onPath;
    }
  }
}
