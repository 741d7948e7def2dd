package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.AgentConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code agent ecs start}: builds the configuration, sets up logging and runs the agent until it
 * stops; returns the agent's exit code.
 */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Start the ECS agent: poll Prefect for flow runs matching the labels and run each as an ECS"
          + " task.",
      "Every flag overrides a configuration key; see 'agent config show'."
    })
final class EcsStartCommand implements Callable<Integer> {
  @Mixin AgentOptions options;
  private final CliContext context;

  EcsStartCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    AgentConfig config = ConfigRequest.load(options, context);
    LoggingSetup.apply(config.agentLogLevel(), config.jsonLogs());
    if (options.tokenGiven()) {
      context
          .err()
          .println(
              "warning: --token is deprecated (RUNNER tokens are going away); use an API key with"
                  + " --key or PREFECT__CLOUD__API_KEY");
    }
    return context.starter().start(config);
  }
}
