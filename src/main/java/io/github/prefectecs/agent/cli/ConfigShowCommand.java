package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.ConfigLoader;
import io.github.prefectecs.agent.config.ResolvedConfig;
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
    ResolvedConfig resolved = ConfigRequest.resolve(options, context);
    for (String line : ConfigReport.render(resolved)) {
      context.out().println(line);
    }
    context.out().flush();
    ConfigLoader.validate(resolved);
    return 0;
  }
}
