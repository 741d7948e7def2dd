package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import java.time.Duration;
import java.util.Objects;

/**
 * How the log forwarder reads and writes.
 *
 * @param mode what is forwarded
 * @param pollInterval the shortest time between the starts of two sweeps (reads of every followed
 *     stream); after sweeps that find nothing new it doubles, up to five times this
 * @param lookBack how far before the start of its last read a stream is read again, for events
 *     CloudWatch receives late (an event received later than this after its timestamp is not seen)
 * @param quietPeriod how long a stopped task's stream must stay silent before it is let go
 * @param tailLines how many last lines the ERROR log of an abnormal stop carries
 * @param bufferBytes the most heap lines waiting for the Prefect API may take; at half of it the
 *     forwarder stops reading until the API has taken lines (nothing is dropped)
 * @param stateBytes the most heap the streams' state (event ids of the look-back, last lines) may
 *     take; beyond it the oldest event ids of the largest streams are forgotten (counted, told)
 * @param sweepBudget the longest one sweep may read; what it did not reach is read first next time
 * @param refusedRelease how long a task whose log group refuses reads is kept before it is let go
 * @param loggerName the logger name forwarded lines carry in Prefect
 */
public record ForwarderSettings(
    LogForwarding mode,
    Duration pollInterval,
    Duration lookBack,
    Duration quietPeriod,
    int tailLines,
    long bufferBytes,
    long stateBytes,
    Duration sweepBudget,
    Duration refusedRelease,
    String loggerName) {

  public ForwarderSettings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(lookBack, "lookBack");
    Objects.requireNonNull(quietPeriod, "quietPeriod");
    Objects.requireNonNull(sweepBudget, "sweepBudget");
    Objects.requireNonNull(refusedRelease, "refusedRelease");
    Objects.requireNonNull(loggerName, "loggerName");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
    }
    if (tailLines < 1 || bufferBytes < 1 || stateBytes < 1) {
      throw new IllegalArgumentException(
          "tailLines, bufferBytes and stateBytes must be at least 1, were "
              + tailLines
              + ", "
              + bufferBytes
              + " and "
              + stateBytes);
    }
  }

  /**
   * Every second at most (every 5 s when idle), 30 s look-back, 15 s quiet period, 20 tail lines, 8
   * MiB of lines waiting and 8 MiB of stream state, sweeps of at most a minute, a refused task kept
   * 10 minutes.
   */
  public static ForwarderSettings defaults(LogForwarding mode) {
    return new ForwarderSettings(
        mode,
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(15),
        20,
        8L << 20,
        8L << 20,
        Duration.ofMinutes(1),
        Duration.ofMinutes(10),
        "prefect.ecs-agent.cloudwatch");
  }

  public ForwarderSettings withTiming(Duration poll, Duration look, Duration quiet) {
    return new ForwarderSettings(
        mode,
        poll,
        look,
        quiet,
        tailLines,
        bufferBytes,
        stateBytes,
        sweepBudget,
        refusedRelease,
        loggerName);
  }

  public ForwarderSettings withBufferBytes(long bytes) {
    return new ForwarderSettings(
        mode,
        pollInterval,
        lookBack,
        quietPeriod,
        tailLines,
        bytes,
        stateBytes,
        sweepBudget,
        refusedRelease,
        loggerName);
  }

  public ForwarderSettings withStateBytes(long bytes) {
    return new ForwarderSettings(
        mode,
        pollInterval,
        lookBack,
        quietPeriod,
        tailLines,
        bufferBytes,
        bytes,
        sweepBudget,
        refusedRelease,
        loggerName);
  }

  public ForwarderSettings withRefusedRelease(Duration release) {
    return new ForwarderSettings(
        mode,
        pollInterval,
        lookBack,
        quietPeriod,
        tailLines,
        bufferBytes,
        stateBytes,
        sweepBudget,
        release,
        loggerName);
  }
}
