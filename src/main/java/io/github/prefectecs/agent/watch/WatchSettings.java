package io.github.prefectecs.agent.watch;

import java.time.Duration;
import java.util.Objects;

/**
 * How the task watcher works.
 *
 * @param cluster the ECS cluster of the agent's tasks; null for the default cluster
 * @param agentName the {@code prefect:agent} tag of this agent's tasks (the restart listing keeps
 *     only those)
 * @param tick how often the watcher wakes up
 * @param youngInterval how often a starting, young or stopping task is described
 * @param longRunnerInterval how often a task RUNNING for longer than {@code youngAge} is described
 *     (at most one minute)
 * @param youngAge how long a task counts as young
 * @param startTimeout a task still PROVISIONING/PENDING/ACTIVATING after this long is stopped and
 *     its run failed
 * @param spotRelaunchLimit the most Spot relaunches per run, then Failed
 * @param heartbeatInterval how often a Submitted run whose task is still starting gets a heartbeat
 * @param missingGrace how long DescribeTasks must keep not seeing a task (ECS: {@code MISSING})
 *     before it counts as gone; a new task may be invisible for a few seconds after RunTask
 * @param orphanGrace how long a task may outlive its finished or deleted run before it is stopped;
 *     zero to only report it
 */
public record WatchSettings(
    String cluster,
    String agentName,
    Duration tick,
    Duration youngInterval,
    Duration longRunnerInterval,
    Duration youngAge,
    Duration startTimeout,
    int spotRelaunchLimit,
    Duration heartbeatInterval,
    Duration missingGrace,
    Duration orphanGrace) {

  public WatchSettings {
    Objects.requireNonNull(tick, "tick");
    Objects.requireNonNull(youngInterval, "youngInterval");
    Objects.requireNonNull(longRunnerInterval, "longRunnerInterval");
    Objects.requireNonNull(youngAge, "youngAge");
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(missingGrace, "missingGrace");
    Objects.requireNonNull(orphanGrace, "orphanGrace");
    if (longRunnerInterval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "longRunnerInterval must be at most one minute, was " + longRunnerInterval);
    }
    if (spotRelaunchLimit < 0) {
      throw new IllegalArgumentException(
          "spotRelaunchLimit must be 0 or more, was " + spotRelaunchLimit);
    }
    if (startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
    }
  }

  /**
   * The production cadence: tick 5 s, young tasks every 5 s, long runners every 15 s; a task unseen
   * for 30 s is gone; an orphan is stopped after 5 minutes.
   */
  public static WatchSettings defaults(
      String cluster, String agentName, Duration startTimeout, int spotRelaunchLimit) {
    return new WatchSettings(
        cluster,
        agentName,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofMinutes(2),
        startTimeout,
        spotRelaunchLimit,
        Duration.ofMinutes(2),
        Duration.ofSeconds(30),
        Duration.ofMinutes(5));
  }

  /** These settings with another orphan grace. */
  public WatchSettings withOrphanGrace(Duration grace) {
    return new WatchSettings(
        cluster,
        agentName,
        tick,
        youngInterval,
        longRunnerInterval,
        youngAge,
        startTimeout,
        spotRelaunchLimit,
        heartbeatInterval,
        missingGrace,
        grace);
  }
}
