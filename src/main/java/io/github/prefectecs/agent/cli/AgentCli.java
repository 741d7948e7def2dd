package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.ConfigException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The command line: {@code agent ecs start}, {@code agent ecs check}, {@code agent config show},
 * {@code --help}, {@code --version}. Maps outcomes to exit codes: 0 clean stop, 2 usage or
 * configuration error, 1 unexpected failure (one line; the stack trace only at DEBUG).
 */
public final class AgentCli {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;
  private static final Logger log = LoggerFactory.getLogger(AgentCli.class);

  private AgentCli() {}

  /** Parses {@code args}, runs the chosen command and returns the process exit code. */
  public static int execute(String[] args, CliContext context) {
    CommandLine cli = commandLine(context);
    cli.setOut(new PrintWriter(context.out(), true));
    cli.setErr(new PrintWriter(context.err(), true));
    cli.setParameterExceptionHandler((e, a) -> usageError(e, context));
    cli.setExecutionExceptionHandler((e, c, p) -> failure(e, context));
    return cli.execute(args);
  }

  static CommandLine commandLine(CliContext context) {
    CommandLine ecs = new CommandLine(new EcsCommand());
    ecs.addSubcommand("start", new CommandLine(new EcsStartCommand(context)));
    ecs.addSubcommand("check", new CommandLine(new EcsCheckCommand(context)));
    CommandLine config = new CommandLine(new ConfigCommand());
    config.addSubcommand("show", new CommandLine(new ConfigShowCommand(context)));
    CommandLine top = new CommandLine(new AgentCommand());
    top.addSubcommand("ecs", ecs);
    top.addSubcommand("config", config);
    return top;
  }

  private static int usageError(ParameterException e, CliContext context) {
    String command = e.getCommandLine().getCommandSpec().qualifiedName();
    context.err().println("error: " + e.getMessage());
    context.err().println("Try '" + command + " --help' for more information.");
    return EXIT_USAGE;
  }

  private static int failure(Exception e, CliContext context) {
    if (e instanceof ConfigException config) {
      for (String problem : config.problems()) {
        context.err().println("error: " + problem);
      }
      return EXIT_USAGE;
    }
    context.err().println("error: unexpected failure: " + e);
    log.debug("unexpected failure", e);
    return EXIT_FAILURE;
  }
}
