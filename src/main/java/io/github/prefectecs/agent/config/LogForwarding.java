package io.github.prefectecs.agent.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the agent forwards from a flow container's CloudWatch stream into its run's Prefect logs
 * ({@code cloud.agent.ecs.forward_logs}).
 */
public enum LogForwarding {
  /** Every line except those the flow's Prefect logger already sent (the default). */
  NON_PREFECT("non-prefect"),
  /** Every line. */
  ALL("all"),
  /** Only the last lines of a run whose task ended abnormally, as one ERROR log. */
  FAILURES("failures"),
  /** Nothing; flow containers get no default awslogs driver. */
  OFF("off");

  private final String configName;

  LogForwarding(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The mode named {@code text} (case-insensitive, {@code _} allowed for {@code -}), else null. */
  public static LogForwarding parse(String text) {
    if (text == null) {
      return null;
    }
    String name = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    for (LogForwarding mode : values()) {
      if (mode.configName.equals(name)) {
        return mode;
      }
    }
    return null;
  }

  /** {@code non-prefect, all, failures, off}. */
  public static String names() {
    return Arrays.stream(values()).map(LogForwarding::configName).collect(Collectors.joining(", "));
  }
}
