package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory ECS for the watcher: tasks whose status a test sets (with attempt tags, sidecar
 * containers, the stop codes and exit codes of the reference table), DescribeTasks answering {@code
 * MISSING} for unknown ARNs and, for a few looks, for a task just started (as ECS does), StopTask
 * recorded (the task stops with stop code UserInitiated and exit 143, or stays stopping), and
 * failure injection. Thread-safe.
 */
final class FakeEcsTasks implements EcsTasks {
  static final String CLUSTER = null;
  final Map<String, ObservedTask> tasks = new ConcurrentHashMap<>();
  final List<String> stopped = new CopyOnWriteArrayList<>();
  final List<String> stopReasons = new CopyOnWriteArrayList<>();
  final List<Integer> describeSizes = new CopyOnWriteArrayList<>();
  final List<String> describeClusters = new CopyOnWriteArrayList<>();
  final List<String> stopClusters = new CopyOnWriteArrayList<>();
  final AtomicInteger listStoppedCalls = new AtomicInteger();
  volatile EcsTasksException describeFailure;
  volatile boolean stopsStayRunning;
  private final Map<String, Integer> invisible = new ConcurrentHashMap<>();

  static ObservedTask task(String arn, String runId, String status) {
    return task(arn, runId, status, null);
  }

  /** A live task of this agent's, tagged with {@code attempt} (null: no attempt tags). */
  static ObservedTask task(String arn, String runId, String status, RunAttempt attempt) {
    return new ObservedTask(
        arn,
        runId,
        "agent",
        attempt,
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        status,
        "RUNNING",
        null,
        null,
        Instant.parse("2026-01-01T00:00:00Z"),
        null,
        List.of(new ObservedTask.Container("flow", null, null)));
  }

  static ObservedTask stoppedTask(
      String arn, String runId, String code, String reason, Integer exit, String containerReason) {
    return stoppedTask(
        arn,
        runId,
        null,
        code,
        reason,
        List.of(new ObservedTask.Container("flow", exit, containerReason)));
  }

  /** A STOPPED task with the given containers (the flow's and, say, a sidecar). */
  static ObservedTask stoppedTask(
      String arn,
      String runId,
      RunAttempt attempt,
      String code,
      String reason,
      List<ObservedTask.Container> containers) {
    return new ObservedTask(
        arn,
        runId,
        "agent",
        attempt,
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        "STOPPED",
        "STOPPED",
        code,
        reason,
        Instant.parse("2026-01-01T00:00:00Z"),
        Instant.parse("2026-01-01T00:05:00Z"),
        containers);
  }

  /** {@code task} as it looks once someone asked it to stop (still stopping). */
  static ObservedTask stopping(ObservedTask task) {
    return new ObservedTask(
        task.taskArn(),
        task.flowRunId(),
        task.agentName(),
        task.attempt(),
        task.taskDefinitionArn(),
        "DEACTIVATING",
        "STOPPED",
        null,
        null,
        task.createdAt(),
        null,
        task.containers());
  }

  /**
   * ECS right after RunTask: DescribeTasks answers {@code MISSING} for {@code arn} the next {@code
   * looks} times, though the task exists.
   */
  void invisibleFor(String arn, int looks) {
    invisible.put(arn, looks);
  }

  void put(ObservedTask task) {
    tasks.put(task.taskArn(), task);
  }

  @Override
  public Described describe(String cluster, List<String> taskArns) {
    if (taskArns.size() > MAX_DESCRIBE) {
      throw new IllegalArgumentException("too many ARNs: " + taskArns.size());
    }
    describeSizes.add(taskArns.size());
    describeClusters.add(String.valueOf(cluster));
    for (String arn : taskArns) {
      if (!String.valueOf(cluster).equals(String.valueOf(EcsTasks.clusterOf(arn, cluster)))) {
        throw new IllegalArgumentException(arn + " is not in cluster " + cluster);
      }
    }
    EcsTasksException failure = describeFailure;
    if (failure != null) {
      throw failure;
    }
    List<ObservedTask> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String arn : taskArns) {
      ObservedTask t = tasks.get(arn);
      Integer hidden = invisible.computeIfPresent(arn, (a, n) -> n - 1);
      if (hidden != null && hidden <= 0) {
        invisible.remove(arn);
      }
      if (t == null || (hidden != null && hidden >= 0)) {
        missing.add(arn);
      } else {
        found.add(t);
      }
    }
    return new Described(found, missing);
  }

  @Override
  public void stop(String cluster, String taskArn, String reason) {
    stopped.add(taskArn);
    stopClusters.add(String.valueOf(cluster));
    stopReasons.add(reason);
    ObservedTask t = tasks.get(taskArn);
    if (t != null && !stopsStayRunning) {
      put(
          stoppedTask(
              taskArn,
              t.flowRunId(),
              t.attempt(),
              "UserInitiated",
              reason,
              List.of(new ObservedTask.Container("flow", 143, null))));
    } else if (t != null && !t.stopped()) {
      put(stopping(t));
    }
  }

  @Override
  public List<ObservedTask> listStopped(String cluster) {
    listStoppedCalls.incrementAndGet();
    return tasks.values().stream().filter(ObservedTask::stopped).toList();
  }
}
