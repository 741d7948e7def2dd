package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import java.time.Duration;
import java.util.Objects;

/**
 * How the log forwarder reads and writes.
 *
 * @param mode what is forwarded
 * @param pollInterval time between two reads of every followed stream
 * @param lookBack how far before the newest event seen a read starts again, for events that
 *     CloudWatch receives late (older late events are not seen)
 * @param quietPeriod how long a stopped task's stream must stay silent before it is let go
 * @param tailLines how many last lines the ERROR log of an abnormal stop carries
 * @param bufferCapacity the most lines waiting for the Prefect API; beyond it the oldest are
 *     dropped
 * @param loggerName the logger name forwarded lines carry in Prefect
 */
public record ForwarderSettings(
    LogForwarding mode,
    Duration pollInterval,
    Duration lookBack,
    Duration quietPeriod,
    int tailLines,
    int bufferCapacity,
    String loggerName) {

  public ForwarderSettings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(lookBack, "lookBack");
    Objects.requireNonNull(quietPeriod, "quietPeriod");
    Objects.requireNonNull(loggerName, "loggerName");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
    }
    if (tailLines < 1 || bufferCapacity < 1) {
      throw new IllegalArgumentException(
          "tailLines and bufferCapacity must be at least 1, were "
              + tailLines
              + " and "
              + bufferCapacity);
    }
  }

  /** Every 5 s, 30 s look-back, 15 s quiet period, 20 tail lines, 10,000 lines of buffer. */
  public static ForwarderSettings defaults(LogForwarding mode) {
    return new ForwarderSettings(
        mode,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofSeconds(15),
        20,
        10_000,
        "prefect.ecs-agent.cloudwatch");
  }

  public ForwarderSettings withTiming(Duration poll, Duration look, Duration quiet) {
    return new ForwarderSettings(mode, poll, look, quiet, tailLines, bufferCapacity, loggerName);
  }

  public ForwarderSettings withBufferCapacity(int capacity) {
    return new ForwarderSettings(
        mode, pollInterval, lookBack, quietPeriod, tailLines, capacity, loggerName);
  }
}
