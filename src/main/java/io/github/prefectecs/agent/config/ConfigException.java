package io.github.prefectecs.agent.config;

import java.util.List;

/**
 * The configuration (files, environment, flags) is invalid. Carries every problem found, one line
 * each, naming the key, where the value came from and how to fix it; never a secret value.
 *
 * <p>Not retryable: the process should exit with code 2.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /** One line per problem, in the order found. */
  public List<String> problems() {
    return problems;
  }

  private static String summary(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    return problems.size() == 1
        ? problems.get(0)
        : problems.size() + " configuration problems: " + String.join(" | ", problems);
  }
}
