package io.github.prefectecs.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Flow runs in memory, as Prefect Cloud keeps them: states with versions and the version lock (a
 * write with a stale version is refused), task runs (whose versions Server ignores), heartbeats,
 * logs, and request counting. Thread-safe.
 */
final class FakePrefectRuns extends UnusedPrefectApi {
  record Run(String state, int version, JsonNode serialized) {}

  /** A task run of a flow run. */
  record Task(String flowRunId, int version, JsonNode serialized) {
    String state() {
      return serialized.path("type").asText();
    }
  }

  final Map<String, Run> runs = new ConcurrentHashMap<>();
  final Map<String, Task> taskRuns = new java.util.LinkedHashMap<>();
  final List<StateUpdate> taskRunWrites = new CopyOnWriteArrayList<>();

  /** What was written, in order: "flow_run:<id>:<type>" and "task_run:<id>:<type>". */
  final List<String> writeOrder = new CopyOnWriteArrayList<>();

  final List<StateUpdate> writes = new CopyOnWriteArrayList<>();
  final List<LogEntry> logs = new CopyOnWriteArrayList<>();
  final List<String> heartbeats = new CopyOnWriteArrayList<>();
  final AtomicInteger statusRequests = new AtomicInteger();
  final AtomicInteger heartbeatRequests = new AtomicInteger();
  final AtomicInteger writeRequests = new AtomicInteger();
  final AtomicInteger failWrites = new AtomicInteger();
  volatile boolean down;

  void set(String id, String state) {
    Run old = runs.get(id);
    runs.put(
        id,
        new Run(
            state,
            old == null ? 2 : old.version() + 1,
            PrefectStates.failed("set by test").put("type", state)));
  }

  void set(String id, JsonNode serialized) {
    Run old = runs.get(id);
    runs.put(
        id,
        new Run(serialized.path("type").asText(), old == null ? 2 : old.version() + 1, serialized));
  }

  /** Adds (or replaces) task run {@code id} of {@code flowRunId} in {@code serialized}. */
  synchronized void setTaskRun(String flowRunId, String id, JsonNode serialized) {
    Task old = taskRuns.get(id);
    taskRuns.put(id, new Task(flowRunId, old == null ? 1 : old.version() + 1, serialized));
  }

  synchronized String taskRunState(String id) {
    return taskRuns.get(id).state();
  }

  synchronized String taskRunMessage(String id) {
    return taskRuns.get(id).serialized().path("message").asText();
  }

  /** The messages of the run logs of {@code runId} at {@code level}, in order. */
  List<String> logs(String runId, String level) {
    return logs.stream()
        .filter(l -> l.flowRunId().equals(runId) && l.level().equals(level))
        .map(LogEntry::message)
        .toList();
  }

  String state(String id) {
    return runs.get(id).state();
  }

  String message(String id) {
    return runs.get(id).serialized().path("message").asText();
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
    statusRequests.incrementAndGet();
    if (down) {
      throw new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "connection refused");
    }
    List<FlowRunStatus> result = new ArrayList<>();
    for (String id : ids) {
      Run r = runs.get(id);
      if (r != null) {
        result.add(
            new FlowRunStatus(
                id, r.state(), r.version(), "agent-id", r.serialized(), "name-" + id, "etl"));
      }
    }
    return result;
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(
      Collection<String> ids, Collection<String> withOpenTaskRuns) {
    List<FlowRunStatus> plain = flowRunStatuses(ids);
    List<FlowRunStatus> result = new ArrayList<>();
    for (FlowRunStatus status : plain) {
      if (!withOpenTaskRuns.contains(status.id())) {
        result.add(status);
        continue;
      }
      List<TaskRun> open = new ArrayList<>();
      synchronized (this) {
        taskRuns.forEach(
            (id, t) -> {
              if (t.flowRunId().equals(status.id()) && !PrefectStates.isFinished(t.state())) {
                open.add(new TaskRun(id, t.version(), "task-" + id, t.serialized()));
              }
            });
      }
      result.add(status.withOpenTaskRuns(open));
    }
    return result;
  }

  @Override
  public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
    writeRequests.incrementAndGet();
    if (down) {
      throw new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "connection reset");
    }
    List<UpdateResult> results = new ArrayList<>();
    synchronized (this) {
      for (StateUpdate u : updates) {
        Task t = taskRuns.get(u.runId());
        if (t == null) {
          results.add(
              new UpdateResult(
                  u.runId(),
                  new PrefectApiException(
                      PrefectApiException.Kind.GRAPHQL,
                      "State update failed for task run ID " + u.runId())));
          continue;
        }
        // Server ignores task run versions.
        taskRuns.put(u.runId(), new Task(t.flowRunId(), t.version() + 1, u.state()));
        taskRunWrites.add(u);
        writeOrder.add("task_run:" + u.runId() + ":" + u.state().path("type").asText());
        results.add(UpdateResult.ok(u.runId()));
      }
    }
    return results;
  }

  @Override
  public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
    writeRequests.incrementAndGet();
    if (down || failWrites.getAndDecrement() > 0) {
      throw new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "connection reset");
    }
    List<UpdateResult> results = new ArrayList<>();
    for (StateUpdate u : updates) {
      Run r = runs.get(u.runId());
      if (r == null) {
        results.add(
            new UpdateResult(
                u.runId(),
                new PrefectApiException(PrefectApiException.Kind.GRAPHQL, "no such run")));
      } else if (u.version() != null && u.version() != r.version()) {
        results.add(
            new UpdateResult(
                u.runId(),
                new PrefectApiException(
                    PrefectApiException.Kind.VERSION_LOCK, "VERSION_LOCKING_ERROR")));
      } else {
        writes.add(u);
        writeOrder.add("flow_run:" + u.runId() + ":" + u.state().path("type").asText());
        runs.put(u.runId(), new Run(u.state().path("type").asText(), r.version() + 1, u.state()));
        results.add(UpdateResult.ok(u.runId()));
      }
    }
    return results;
  }

  @Override
  public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
    heartbeatRequests.incrementAndGet();
    heartbeats.addAll(ids);
    return ids.stream().map(UpdateResult::ok).toList();
  }

  @Override
  public List<UpdateResult> writeRunLogs(List<LogEntry> entries) {
    logs.addAll(entries);
    return entries.stream().map(LogEntry::flowRunId).distinct().map(UpdateResult::ok).toList();
  }

  @Override
  public void hello() {}

  @Override
  public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
    return List.of();
  }

  @Override
  public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
    return List.of();
  }
}
