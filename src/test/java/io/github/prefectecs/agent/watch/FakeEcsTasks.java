package io.github.prefectecs.agent.watch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory ECS for the watcher: tasks whose status a test sets, DescribeTasks answering {@code
 * MISSING} for unknown ARNs (as ECS does), StopTask recorded (the task stops with stop code
 * UserInitiated and exit 143), and failure injection. Thread-safe.
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

  static ObservedTask task(String arn, String runId, String status) {
    return new ObservedTask(
        arn,
        runId,
        "agent",
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        status,
        null,
        null,
        Instant.parse("2026-01-01T00:00:00Z"),
        null,
        List.of(new ObservedTask.Container("flow", null, null)));
  }

  static ObservedTask stoppedTask(
      String arn, String runId, String code, String reason, Integer exit, String containerReason) {
    return new ObservedTask(
        arn,
        runId,
        "agent",
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        "STOPPED",
        code,
        reason,
        Instant.parse("2026-01-01T00:00:00Z"),
        Instant.parse("2026-01-01T00:05:00Z"),
        List.of(new ObservedTask.Container("flow", exit, containerReason)));
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
      if (!String.valueOf(cluster).equals(String.valueOf(Watched.clusterOf(arn, cluster)))) {
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
      if (t == null) {
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
      put(stoppedTask(taskArn, t.flowRunId(), "UserInitiated", reason, 143, null));
    }
  }

  @Override
  public List<ObservedTask> listStopped(String cluster) {
    listStoppedCalls.incrementAndGet();
    return tasks.values().stream().filter(ObservedTask::stopped).toList();
  }
}
