package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.ConfigException;
import io.github.prefectecs.agent.config.ConfigLoader;
import io.github.prefectecs.agent.config.FlagOverride;
import io.github.prefectecs.agent.config.ResolvedConfig;
import java.util.ArrayList;
import java.util.List;

/** Loads configuration for a command, reporting flag and configuration problems together. */
final class ConfigRequest {
  private ConfigRequest() {}

  static AgentConfig load(AgentOptions options, CliContext context) {
    List<String> problems = new ArrayList<>();
    List<FlagOverride> flags = options.overrides(problems);
    try {
      AgentConfig config = new ConfigLoader(context.env(), context.home()).load(flags);
      if (problems.isEmpty()) {
        return config;
      }
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    throw new ConfigException(problems);
  }

  /**
   * The resolved configuration even when flags have problems (those go to {@code flagProblems}), so
   * {@code config show} can print what it has; file problems still throw.
   */
  static ResolvedConfig resolve(
      AgentOptions options, CliContext context, List<String> flagProblems) {
    List<FlagOverride> flags = options.overrides(flagProblems);
    try {
      return new ConfigLoader(context.env(), context.home()).resolve(flags);
    } catch (ConfigException e) {
      List<String> all = new ArrayList<>(flagProblems);
      all.addAll(e.problems());
      throw new ConfigException(all);
    }
  }
}
