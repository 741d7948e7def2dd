package io.github.prefectecs.agent.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What the commands need from the process, injected so tests can run them in-process.
 *
 * @param env the process environment
 * @param home the user's home directory (for {@code ~} and {@code ~/.prefect})
 * @param out standard output
 * @param err standard error
 * @param starter runs the agent once the configuration is built
 */
public record CliContext(
    Map<String, String> env, Path home, PrintStream out, PrintStream err, AgentStarter starter) {
  public CliContext {
    env = Map.copyOf(env);
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(starter, "starter");
  }
}
