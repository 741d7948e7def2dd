package io.github.prefectecs.agent.testsupport;

import java.io.IOException;
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

  private SignalDefaults() {}

  /** {@code argv}, run through a reset of both signals when this JVM has either ignored. */
  public static List<String> argv(List<String> argv) {
    return INHERITED_IGNORED ? withReset(argv) : argv;
  }

  /** {@code argv} behind a Python one-liner that sets both signals to default, then execs it. */
  static List<String> withReset(List<String> argv) {
    List<String> out = new ArrayList<>(List.of(python(), "-c", RESET_THEN_EXEC));
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

  private static String python() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "python3");
      if (Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath().toString();
      }
    }
    return "/usr/bin/python3";
  }
}
