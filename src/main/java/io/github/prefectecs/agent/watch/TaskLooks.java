package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which live tasks are due for a look (young, starting or stopping ones often, long runners
 * less) and describes them in calls of at most 100 ARNs, filling the last call with tasks looked at
 * longest ago. Announces a task's start on its first description. Watcher thread only.
 */
final class TaskLooks {
  private static final Logger LOG = LoggerFactory.getLogger(TaskLooks.class);

  /** Looks in a row that did not see a task before it is declared gone (with the grace). */
  static final int MISSING_LOOKS = 3;

  private final EcsTasks ecs;
  private final TaskEvents events;
  private final WatchSettings settings;

  private int failures;

  TaskLooks(EcsTasks ecs, TaskEvents events, WatchSettings settings) {
    this.ecs = ecs;
    this.events = events;
    this.settings = settings;
  }

  /** Describes the due tasks of {@code watched}, cluster by cluster; returns those looked at. */
  List<Watched> describeDue(Collection<Watched> watched, Instant now) {
    Map<String, List<Watched>> due = new LinkedHashMap<>();
    Map<String, List<Watched>> spare = new LinkedHashMap<>();
    for (Watched w : watched) {
      if (!w.ended()) {
        (isDue(w, now) ? due : spare)
            .computeIfAbsent(String.valueOf(w.cluster), c -> new ArrayList<>())
            .add(w);
      }
    }
    List<Watched> looked = new ArrayList<>();
    for (Map.Entry<String, List<Watched>> cluster : due.entrySet()) {
      List<Watched> calls = cluster.getValue();
      List<Watched> extra = spare.getOrDefault(cluster.getKey(), List.of());
      int room =
          (EcsTasks.MAX_DESCRIBE - calls.size() % EcsTasks.MAX_DESCRIBE) % EcsTasks.MAX_DESCRIBE;
      if (room > 0 && !extra.isEmpty()) {
        // Fill the cluster's last call: a task looked at early costs nothing extra.
        extra.sort((a, b) -> a.lastLooked().compareTo(b.lastLooked()));
        calls.addAll(extra.subList(0, Math.min(room, extra.size())));
      }
      describe(calls, now, looked);
    }
    return looked;
  }

  /** ceil(n / 100) DescribeTasks calls for the tasks of one cluster. */
  private void describe(List<Watched> due, Instant now, List<Watched> looked) {
    String cluster = due.get(0).cluster;
    for (int from = 0; from < due.size(); from += EcsTasks.MAX_DESCRIBE) {
      List<Watched> batch = due.subList(from, Math.min(due.size(), from + EcsTasks.MAX_DESCRIBE));
      EcsTasks.Described described;
      try {
        described = ecs.describe(cluster, batch.stream().map(w -> w.taskArn).toList());
      } catch (EcsTasksException e) {
        failed(batch.size(), e);
        break;
      }
      failures = 0;
      Map<String, ObservedTask> byArn = new HashMap<>();
      described.tasks().forEach(t -> byArn.put(t.taskArn(), t));
      for (Watched w : batch) {
        observe(w, byArn.get(w.taskArn), now);
        looked.add(w);
      }
    }
  }

  private boolean isDue(Watched w, Instant now) {
    if (w.lastLooked() == null) {
      return true;
    }
    boolean young =
        w.last() == null
            || !"RUNNING".equals(w.last().lastStatus())
            || w.request() != Settlement.StopRequest.NONE
            || Duration.between(w.startedAt(), now).compareTo(settings.youngAge()) < 0;
    Duration every = young ? settings.youngInterval() : settings.longRunnerInterval();
    return Duration.between(w.lastLooked(), now).compareTo(every) >= 0;
  }

  private void observe(Watched w, ObservedTask task, Instant now) {
    if (task != null) {
      w.seen(task, now);
    } else {
      // ECS answers MISSING (an emulator neither task nor failure).
      w.unseen(now, settings.missingGrace(), MISSING_LOOKS);
    }
    if (w.announceOnce()) {
      events.taskStarted(
          new TaskEvents.TaskStart(
              w.runId,
              w.taskArn,
              task == null ? null : task.taskDefinitionArn(),
              w.since,
              task == null ? null : task.createdAt()));
    }
  }

  /** Throttling is a WARN; a refusal (e.g. no IAM permission) an ERROR, repeated once a minute. */
  private void failed(int tasks, EcsTasksException e) {
    if (e.retryable()) {
      LOG.warn(
          "DescribeTasks of {} task(s) failed; looking again next tick: {}", tasks, e.getMessage());
    } else if (failures++ % 12 == 0) {
      LOG.error(
          "DescribeTasks failed, so no task is being watched: {}; the agent needs ecs:DescribeTasks,"
              + " ecs:StopTask and ecs:ListTasks on the cluster",
          e.getMessage());
    }
  }
}
