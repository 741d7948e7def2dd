package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.check.Preflight;
import io.github.prefectecs.agent.config.AgentConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code agent ecs check}: with the flags, configuration and environment of {@code ecs start},
 * checks what a first deploy needs without starting anything; exit 0 when every check holds, 1 when
 * one does not, 2 for a bad configuration.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Check a set-up before the first deploy: the Prefect API (reachable, authenticated, tenant,"
          + " labels), the ECS cluster and its capacity providers, subnets and security groups,"
          + " the task definition, role ARNs and the log group. Starts, registers and launches"
          + " nothing.",
      "Takes the same flags, configuration and environment as 'agent ecs start'."
    })
final class EcsCheckCommand implements Callable<Integer> {
  @Mixin AgentOptions options;
  private final CliContext context;

  EcsCheckCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    AgentConfig config = ConfigRequest.load(options, context);
    // The check's lines are the output (stdout); the agent's own warnings go to stderr.
    String level = "DEBUG".equalsIgnoreCase(config.agentLogLevel()) ? "DEBUG" : "WARN";
    LoggingSetup.apply(level, config.jsonLogs(), context.err());
    try (Preflight preflight = Preflight.create(config)) {
      return preflight.report(context.out());
    }
  }
}
