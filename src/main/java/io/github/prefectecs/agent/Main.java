package io.github.prefectecs.agent;

import io.github.prefectecs.agent.cli.AgentCli;
import io.github.prefectecs.agent.cli.AgentStarter;
import io.github.prefectecs.agent.cli.CliContext;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Composition root: command line to configuration to a running {@link Agent}; maps the outcome to
 * the process exit code (0 clean stop, 1 unexpected failure, 2 usage or configuration error).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // SLF4J 2 announces its provider on stderr; only its warnings matter to an operator.
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    int code =
        execute(
            args,
            System.getenv(),
            home(System.getenv("HOME")),
            System.out,
            System.err,
            AgentProcess::run);
    System.exit(code);
  }

  /** {@code $HOME} as Python's {@code expanduser} uses it, else the JVM's {@code user.home}. */
  static Path home(String envHome) {
    return envHome != null && !envHome.isBlank()
        ? Path.of(envHome)
        : Path.of(System.getProperty("user.home"));
  }

  /**
   * Runs the command line in-process with the given environment, home directory and streams; {@code
   * starter} runs the agent once {@code ecs start} has built its configuration.
   */
  public static int execute(
      String[] args,
      Map<String, String> env,
      Path home,
      PrintStream out,
      PrintStream err,
      AgentStarter starter) {
    return AgentCli.execute(args, new CliContext(env, home, out, err, starter));
  }
}
