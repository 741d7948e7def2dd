package io.github.prefectecs.agent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code agent}: the top command; only groups the subcommands. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = VersionProvider.class,
    description = "Runs Prefect 1.x flow runs as AWS ECS tasks.",
    footer = {
      "",
      "Exit codes: 0 clean stop, 1 unexpected failure, 2 usage or configuration error."
    })
final class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "a command is required, e.g. ecs start");
  }
}
