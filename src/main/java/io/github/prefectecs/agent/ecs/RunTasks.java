package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher.PreviousTask;
import io.github.prefectecs.agent.run.Launcher.TaskLookup;
import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The task the launcher knows for each run: the one it started or adopted (so a run never gets a
 * second live task), the one being retired because the server rescheduled its run (the next launch
 * waits until it is stopped), and the lookups that ask ECS about them (one call each, rare paths).
 *
 * <p>Thread-safe.
 */
final class RunTasks {
  private static final Logger log = LoggerFactory.getLogger(RunTasks.class);

  /** The longest a relaunch waits for the run's previous task to stop before it gives up. */
  static final Duration RETIRE_TIMEOUT = Duration.ofMinutes(10);

  static final Duration RETIRE_POLL = Duration.ofSeconds(5);

  /** A task stopped because the server rescheduled its run; the next launch waits for it. */
  private record Retiring(String taskArn, Instant since, String reason) {}

  private final EcsClient ecs;
  private final EcsRateLimits limits;
  private final String cluster;
  private final Clock clock;
  private final Map<String, String> byRun = new ConcurrentHashMap<>();
  private final Map<String, Retiring> retiring = new ConcurrentHashMap<>();

  RunTasks(EcsClient ecs, EcsRateLimits limits, String cluster, Clock clock) {
    this.ecs = ecs;
    this.limits = limits;
    this.cluster = cluster;
    this.clock = clock;
  }

  /** Flow run id to task ARN, shared with the task launcher that records started tasks. */
  Map<String, String> byRun() {
    return byRun;
  }

  /** The task known for {@code flowRunId}, or null. */
  String current(String flowRunId) {
    return byRun.get(flowRunId);
  }

  /** A snapshot of flow run id to task ARN. */
  Map<String, String> running() {
    return Map.copyOf(byRun);
  }

  void forget(String flowRunId) {
    byRun.remove(flowRunId);
  }

  PreviousTask previous(String flowRunId) {
    String arn = byRun.get(flowRunId);
    if (arn == null) {
      return PreviousTask.GONE;
    }
    try {
      return RunningTasks.alive(ecs, limits, cluster, arn) ? PreviousTask.ALIVE : PreviousTask.GONE;
    } catch (SdkException | EcsLaunchException e) {
      log.warn(
          "Cannot learn whether task {} of flow run {} still runs ({}); asking again later",
          arn,
          flowRunId,
          e.getMessage());
      return PreviousTask.UNKNOWN;
    }
  }

  /** Stops the run's known task and makes the next launch wait until it is stopped. */
  void retire(String flowRunId, String reason) {
    String arn = byRun.get(flowRunId);
    if (arn == null) {
      return;
    }
    retiring.put(flowRunId, new Retiring(arn, clock.instant(), reason));
    stopQuietly(flowRunId, arn, reason);
  }

  /**
   * Null when the run's previous task is stopped (or was never retired); else what the launch
   * answers while it waits.
   */
  LaunchResult previousStillStopping(String flowRunId) {
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
          RETIRE_POLL);
    }
    if (task == null || "STOPPED".equals(task.lastStatus())) {
      retiring.remove(flowRunId, r);
      byRun.remove(flowRunId, r.taskArn());
      log.info(
          "The previous task {} of flow run {} is stopped; starting the new attempt",
          r.taskArn(),
          flowRunId);
      return null;
    }
    if (Duration.between(r.since(), clock.instant()).compareTo(RETIRE_TIMEOUT) >= 0) {
      retiring.remove(flowRunId, r);
      return new LaunchResult.Rejected(
          "The run was rescheduled while its previous task "
              + r.taskArn()
              + " still ran; that task did not stop within "
              + RETIRE_TIMEOUT.toMinutes()
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
        RETIRE_POLL);
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

  /** The task of {@code flowRunId}'s attempt {@code attemptId} in ECS; a live one is recorded. */
  TaskLookup find(String flowRunId, String attemptId) {
    List<Task> found;
    try {
      found = RunningTasks.startedBy(ecs, limits, cluster, flowRunId);
    } catch (SdkException | EcsLaunchException e) {
      log.warn(
          "Cannot list the tasks of flow run {} ({}); asking again later",
          flowRunId,
          e.getMessage());
      return new TaskLookup(TaskLookup.Kind.UNKNOWN, null);
    }
    Task stopped = null;
    for (Task task : found) {
      RunAttempt attempt = RunningTasks.attemptOf(task);
      if (!flowRunId.equals(RunningTasks.flowRunId(task))
          || (attemptId != null && attempt != null && !attemptId.equals(attempt.id()))) {
        continue;
      }
      if (RunningTasks.isLive(task)) {
        byRun.put(flowRunId, task.taskArn());
        return new TaskLookup(TaskLookup.Kind.ALIVE, task.taskArn());
      }
      stopped = task;
    }
    return stopped == null
        ? new TaskLookup(TaskLookup.Kind.NONE, null)
        : new TaskLookup(TaskLookup.Kind.STOPPED, stopped.taskArn());
  }
}
