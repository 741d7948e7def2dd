package io.github.prefectecs.agent.config;

import java.util.Objects;

/**
 * Where flow containers log and what of it reaches the run logs.
 *
 * @param forwardLogs what is forwarded from flow containers' CloudWatch streams into run logs
 * @param logGroup {@code log_group}: the CloudWatch group for the flow container's awslogs driver;
 *     null for the default (or none when forwarding is off)
 */
public record LogSettings(LogForwarding forwardLogs, String logGroup) {

  /** The log group flow containers log to when none is configured and forwarding is on. */
  public static final String DEFAULT_LOG_GROUP = "/prefect/flow-runs";

  public LogSettings {
    Objects.requireNonNull(forwardLogs, "forwardLogs");
  }

  /** {@code non-prefect} forwarding into the default group. */
  public static LogSettings defaults() {
    return new LogSettings(LogForwarding.NON_PREFECT, null);
  }

  /**
   * The group the agent gives a flow container without its own {@code logConfiguration}: the
   * configured one, else {@link #DEFAULT_LOG_GROUP} unless forwarding is off (then null: none).
   */
  public String effectiveLogGroup() {
    if (logGroup != null) {
      return logGroup;
    }
    return forwardLogs == LogForwarding.OFF ? null : DEFAULT_LOG_GROUP;
  }
}
