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

  /** When the fake's tasks were created (and started, once RUNNING). */
  static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  /** The size and capacity of the fake's tasks: 1 vCPU, 2 GiB on Fargate Spot, x86_64. */
  static final ObservedTask.Capacity SPOT_1_VCPU_2_GIB =
      new ObservedTask.Capacity("1024", "2048", "FARGATE_SPOT", "FARGATE", "x86_64");

  /** A live task of this agent's, tagged with {@code attempt} (null: no attempt tags). */
  static ObservedTask task(String arn, String runId, String status, RunAttempt attempt) {
    return task(arn, new ObservedTask.Tags(runId, "agent", attempt, null, null), status);
  }

  /** A live task with {@code tags}, created at {@link #CREATED} (started then, once RUNNING). */
  static ObservedTask task(String arn, ObservedTask.Tags tags, String status) {
    boolean started = !"PROVISIONING".equals(status) && !"PENDING".equals(status);
    return new ObservedTask(
        arn,
        tags,
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        status,
        "RUNNING",
        null,
        null,
        new ObservedTask.Times(CREATED, started ? CREATED : null, started ? CREATED : null, null),
        SPOT_1_VCPU_2_GIB,
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
        new ObservedTask.Tags(runId, "agent", attempt, null, null),
        "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
        "STOPPED",
        "STOPPED",
        code,
        reason,
        new ObservedTask.Times(CREATED, CREATED, CREATED, Instant.parse("2026-01-01T00:05:00Z")),
        SPOT_1_VCPU_2_GIB,
        containers);
  }

  /** {@code task} as it looks once someone asked it to stop (still stopping). */
  static ObservedTask stopping(ObservedTask task) {
    return new ObservedTask(
        task.taskArn(),
        task.tags(),
        task.taskDefinitionArn(),
        "DEACTIVATING",
        "STOPPED",
        null,
        null,
        task.times(),
        task.capacity(),
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
