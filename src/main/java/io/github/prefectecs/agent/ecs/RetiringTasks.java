package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.run.LaunchResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Tasks of runs the server rescheduled while they lived: each gets StopTask, and the run's next
 * launch waits until it is STOPPED (at most {@link #TIMEOUT}), so a run never has two live tasks.
 * Thread-safe.
 */
final class RetiringTasks {
  private static final Logger log = LoggerFactory.getLogger(RetiringTasks.class);

  /** The longest a relaunch waits for the run's previous task to stop before it gives up. */
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  static final Duration POLL = Duration.ofSeconds(5);

  private final EcsClient ecs;
  private final EcsRateLimits limits;
  private final String cluster;
  private final Clock clock;
  private final Map<String, String> running;
  private final Map<String, Retiring> retiring = new ConcurrentHashMap<>();

  /** A task stopped because the server rescheduled its run; the next launch waits for it. */
  private record Retiring(String taskArn, Instant since, String reason) {}

  RetiringTasks(
      EcsClient ecs,
      EcsRateLimits limits,
      String cluster,
      Clock clock,
      Map<String, String> running) {
    this.ecs = ecs;
    this.limits = limits;
    this.cluster = cluster;
    this.clock = clock;
    this.running = running;
  }

  /** Stops {@code arn}, the task of {@code flowRunId}; its next launch waits for it to stop. */
  void retire(String flowRunId, String arn, String reason) {
    retiring.put(flowRunId, new Retiring(arn, clock.instant(), reason));
    stopQuietly(flowRunId, arn, reason);
  }

  /**
   * Null when the run's previous task is stopped (or was never retired); else what the launch
   * answers while it waits.
   */
  LaunchResult stillStopping(String flowRunId) {
    Retiring r = retiring.get(flowRunId);
    if (r == null) {
      return null;
    }
    Task task;
    try {
      task = RunningTasks.describe(ecs, limits, cluster, r.taskArn());
    } catch (SdkException | EcsLaunchException e) {
      return new LaunchResult.Waiting(
          "cannot look at the run's previous task "
              + r.taskArn()
              + " ("
              + e.getMessage()
              + "); waiting for it to stop",
          POLL);
    }
    if (task == null || "STOPPED".equals(task.lastStatus())) {
      retiring.remove(flowRunId, r);
      running.remove(flowRunId, r.taskArn());
      log.info(
          "The previous task {} of flow run {} is stopped; starting the new attempt",
          r.taskArn(),
          flowRunId);
      return null;
    }
    if (Duration.between(r.since(), clock.instant()).compareTo(TIMEOUT) >= 0) {
      retiring.remove(flowRunId, r);
      return new LaunchResult.Rejected(
          "The run was rescheduled while its previous task "
              + r.taskArn()
              + " still ran; that task did not stop within "
              + TIMEOUT.toMinutes()
              + " min of StopTask (last status "
              + task.lastStatus()
              + "), so no second task was started");
    }
    if (!"STOPPED".equals(task.desiredStatus())) {
      stopQuietly(flowRunId, r.taskArn(), r.reason());
    }
    return new LaunchResult.Waiting(
        "waiting for the run's previous task "
            + r.taskArn()
            + " to stop (last status "
            + task.lastStatus()
            + ") before starting the new attempt",
        POLL);
  }

  private void stopQuietly(String flowRunId, String arn, String reason) {
    try {
      RunningTasks.stop(ecs, limits, cluster, arn, reason);
      log.info("Stopped task {} of flow run {}: {}", arn, flowRunId, reason);
    } catch (SdkException | EcsLaunchException e) {
      log.warn(
          "StopTask of {} (flow run {}) failed; trying again before the relaunch: {}",
          arn,
          flowRunId,
          e.getMessage());
    }
  }
}
