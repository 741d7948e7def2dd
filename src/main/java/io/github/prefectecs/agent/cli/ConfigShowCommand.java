package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.ConfigException;
import io.github.prefectecs.agent.config.ConfigLoader;
import io.github.prefectecs.agent.config.ResolvedConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code agent config show}: prints every effective configuration key, its value (secrets as {@code
 * ***}) and where it came from, then validates it; invalid configuration exits 2.
 */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Print the effective configuration, one key per line, with where each value came from:"
          + " default, FILE:LINE, env NAME, flag --NAME or interpolated. Secrets print as ***.",
      "Takes the same flags as 'ecs start'."
    })
final class ConfigShowCommand implements Callable<Integer> {
  @Mixin AgentOptions options;
  private final CliContext context;

  ConfigShowCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    List<String> problems = new ArrayList<>();
    ResolvedConfig resolved = ConfigRequest.resolve(options, context, problems);
    for (String line : ConfigReport.render(resolved)) {
      context.out().println(line);
    }
    context.out().flush();
    try {
      ConfigLoader.validate(resolved);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return 0;
  }
}
