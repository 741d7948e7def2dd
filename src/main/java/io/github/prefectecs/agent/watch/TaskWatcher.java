package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Follows every task this agent launched or adopted to its end and tells the run what happened:
 * batched DescribeTasks (at most 100 ARNs a call), one batched Prefect status read and one batched
 * heartbeat request a tick, StopTask for cancelled and stuck runs, then the run's final state
 * through {@link RunOutcomes}. The one source of {@link TaskEvents}.
 *
 * <p>{@link #tick()} runs on one thread (the watcher's scheduler, or a test); other methods are
 * thread-safe.
 */
public final class TaskWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskWatcher.class);
  static final int STATUS_CHUNK = 500;

  private final EcsTasks ecs;
  private final PrefectApi api;
  private final RunRegistry registry;
  private final TaskEvents events;
  private final RunOutcomes outcomes;
  private final WatchSettings settings;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Map<String, Watched> watched = new LinkedHashMap<>();
  private final Map<String, Integer> spotRelaunches = new HashMap<>();
  private boolean restartListed;
  private volatile boolean closed;

  /**
   * @param outcomes writes run states and logs, fires stop events and notices
   * @param thread the watcher's own single-thread scheduler (owned by the caller)
   */
  public TaskWatcher(
      EcsTasks ecs,
      PrefectApi api,
      RunRegistry registry,
      TaskEvents events,
      RunOutcomes outcomes,
      WatchSettings settings,
      Clock clock,
      ScheduledExecutorService thread) {
    this.ecs = Objects.requireNonNull(ecs, "ecs");
    this.api = Objects.requireNonNull(api, "api");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.events = Objects.requireNonNull(events, "events");
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.thread = Objects.requireNonNull(thread, "thread");
  }

  /** Starts ticking on the watcher's thread. */
  public void start() {
    long tick = settings.tick().toMillis();
    thread.scheduleWithFixedDelay(this::safeTick, 0, tick, TimeUnit.MILLISECONDS);
  }

  /** How many tasks are under watch. */
  public int watching() {
    return thread.isShutdown() ? 0 : sizeOnThread();
  }

  private int sizeOnThread() {
    synchronized (watched) {
      return watched.size();
    }
  }

  private void safeTick() {
    if (closed) {
      return;
    }
    try {
      tick();
    } catch (Exception e) {
      LOG.warn("Task watcher tick failed; trying again next tick: {}", e.toString(), e);
    }
  }

  /** One round: learn new tasks, describe the due ones, read their runs, act, heartbeat. */
  public void tick() {
    Instant now = clock.instant();
    synchronized (watched) {
      listStoppedAtRestart(now);
      absorbRegistry(now);
      finishWrites();
      List<Watched> looked = describeDue(now);
      List<Watched> settling = new ArrayList<>();
      for (Watched w : watched.values()) {
        if (w.ended() && w.write != Watched.Write.PENDING && !looked.contains(w)) {
          settling.add(w);
        }
      }
      List<Watched> toRead = new ArrayList<>(looked);
      toRead.addAll(settling);
      Map<String, FlowRunStatus> statuses = readStatuses(toRead);
      if (statuses == null) {
        return;
      }
      List<String> heartbeats = new ArrayList<>();
      for (Watched w : toRead) {
        MDC.put("flow_run_id", w.runId);
        MDC.put("task_arn", w.taskArn);
        try {
          act(w, statuses.get(w.runId), now, heartbeats);
        } finally {
          MDC.remove("flow_run_id");
          MDC.remove("task_arn");
        }
      }
      heartbeat(heartbeats, now);
      outcomes.dispatchNow();
    }
  }

  private void listStoppedAtRestart(Instant now) {
    if (restartListed) {
      return;
    }
    List<ObservedTask> stopped;
    try {
      stopped = ecs.listStopped(settings.cluster());
    } catch (EcsTasksException e) {
      LOG.warn(
          "Cannot list tasks that stopped while the agent was down (next tick): {}",
          e.getMessage());
      return;
    }
    restartListed = true;
    Map<String, ObservedTask> latest = new HashMap<>();
    for (ObservedTask t : stopped) {
      boolean ours = settings.agentName() == null || settings.agentName().equals(t.agentName());
      if (t.flowRunId() != null && ours && t.stopped() && registry.get(t.flowRunId()).isEmpty()) {
        latest.merge(t.flowRunId(), t, (a, b) -> later(a, b));
      }
    }
    for (ObservedTask t : latest.values()) {
      Watched w = new Watched(t.flowRunId(), t.taskArn(), now);
      w.last = t;
      w.lastLooked = now;
      w.confirmed = true;
      watched.put(t.taskArn(), w);
    }
    if (!latest.isEmpty()) {
      LOG.info(
          "{} task(s) of this agent stopped while it was down; reporting their runs",
          latest.size());
    }
  }

  private static ObservedTask later(ObservedTask a, ObservedTask b) {
    if (a.stoppedAt() == null) {
      return b;
    }
    return b.stoppedAt() != null && b.stoppedAt().isAfter(a.stoppedAt()) ? b : a;
  }

  private void absorbRegistry(Instant now) {
    for (RunRegistry.Entry e : registry.tasks()) {
      watched.computeIfAbsent(e.taskArn(), arn -> new Watched(e.runId(), arn, e.since()));
    }
  }

  private void finishWrites() {
    for (Watched w : List.copyOf(watched.values())) {
      if (w.write == Watched.Write.DONE) {
        forget(w, true);
      } else if (w.write == Watched.Write.FAILED) {
        w.write = Watched.Write.NONE; // written again next time, from a fresh read of the run
      }
    }
  }

  private List<Watched> describeDue(Instant now) {
    List<Watched> due = new ArrayList<>();
    List<Watched> spare = new ArrayList<>();
    for (Watched w : watched.values()) {
      if (w.ended()) {
        continue;
      }
      (isDue(w, now) ? due : spare).add(w);
    }
    int room = (EcsTasks.MAX_DESCRIBE - due.size() % EcsTasks.MAX_DESCRIBE) % EcsTasks.MAX_DESCRIBE;
    if (!due.isEmpty() && room > 0) {
      // Fill the last call: a task looked at early costs nothing extra.
      spare.sort((a, b) -> a.lastLooked.compareTo(b.lastLooked));
      due.addAll(spare.subList(0, Math.min(room, spare.size())));
    }
    List<Watched> looked = new ArrayList<>();
    for (int from = 0; from < due.size(); from += EcsTasks.MAX_DESCRIBE) {
      List<Watched> batch = due.subList(from, Math.min(due.size(), from + EcsTasks.MAX_DESCRIBE));
      EcsTasks.Described described;
      try {
        described = ecs.describe(settings.cluster(), batch.stream().map(w -> w.taskArn).toList());
      } catch (EcsTasksException e) {
        LOG.warn(
            "DescribeTasks of {} task(s) failed; looking again next tick: {}",
            batch.size(),
            e.getMessage());
        break;
      }
      Map<String, ObservedTask> byArn = new HashMap<>();
      described.tasks().forEach(t -> byArn.put(t.taskArn(), t));
      for (Watched w : batch) {
        observe(w, byArn.get(w.taskArn), described.missing().contains(w.taskArn), now);
        looked.add(w);
      }
    }
    return looked;
  }

  private boolean isDue(Watched w, Instant now) {
    if (w.lastLooked == null) {
      return true;
    }
    boolean young =
        w.last == null
            || !"RUNNING".equals(w.last.lastStatus())
            || w.request != Settlement.StopRequest.NONE
            || Duration.between(w.startedAt(), now).compareTo(settings.youngAge()) < 0;
    Duration every = young ? settings.youngInterval() : settings.longRunnerInterval();
    return Duration.between(w.lastLooked, now).compareTo(every) >= 0;
  }

  private void observe(Watched w, ObservedTask task, boolean missing, Instant now) {
    w.lastLooked = now;
    if (task != null) {
      w.last = task;
      w.absent = 0;
    } else if (missing || ++w.absent >= 3) {
      // ECS says MISSING; an emulator that answers neither task nor failure, three times running.
      w.missing = true;
    }
    if (!w.announced && (task != null || w.missing)) {
      w.announced = true;
      events.taskStarted(
          new TaskEvents.TaskStart(
              w.runId, w.taskArn, task == null ? null : task.taskDefinitionArn(), w.since));
    }
  }

  private Map<String, FlowRunStatus> readStatuses(List<Watched> ws) {
    List<String> ids = ws.stream().map(w -> w.runId).distinct().toList();
    Map<String, FlowRunStatus> result = new HashMap<>();
    try {
      for (int from = 0; from < ids.size(); from += STATUS_CHUNK) {
        api.flowRunStatuses(ids.subList(from, Math.min(ids.size(), from + STATUS_CHUNK)))
            .forEach(s -> result.put(s.id(), s));
      }
    } catch (PrefectApiException e) {
      LOG.warn(
          "Cannot read the states of {} flow run(s); trying again next tick: {}",
          ids.size(),
          e.getMessage());
      return null;
    }
    return result;
  }

  private void act(Watched w, FlowRunStatus status, Instant now, List<String> heartbeats) {
    if (w.write == Watched.Write.PENDING) {
      return;
    }
    if (!w.ended()) {
      actOnLive(w, status, now, heartbeats);
      return;
    }
    if (w.verdict == null && w.request == Settlement.StopRequest.NONE) {
      w.verdict = w.missing ? StopCauses.missing(w.taskArn) : StopCauses.of(w.last);
    }
    if (w.verdict instanceof Verdict.CleanExit && !w.confirmed) {
      // The flow process may have written its final state just before exiting: read once more.
      w.confirmed = true;
      return;
    }
    RunRegistry.Entry entry = registry.get(w.runId).orElse(null);
    if (entry != null && (entry.phase().busy() || !w.taskArn.equals(entry.taskArn()))) {
      // The run was queued again and is being (or was) launched anew: this task is history.
      forget(w, "the run is being launched again (" + entry.phase() + ")");
      return;
    }
    int spot =
        Math.max(
            spotRelaunches.getOrDefault(w.runId, 0),
            status == null ? 0 : SpotMarker.count(status.serializedState()));
    Outcome outcome =
        Settlement.decide(
            w.taskArn,
            w.verdict,
            w.request,
            w.stuckMessage,
            status,
            spot,
            settings.spotRelaunchLimit(),
            now);
    if (outcome instanceof Outcome.Forget f) {
      forget(w, f.why());
    } else if (outcome instanceof Outcome.Write write) {
      if (write.type().equals("Scheduled")) {
        spotRelaunches.put(w.runId, spot + 1);
      }
      w.outcome = write;
      outcomes.write(w, status, write);
    }
  }

  private void actOnLive(Watched w, FlowRunStatus status, Instant now, List<String> heartbeats) {
    if (w.last == null || status == null) {
      return;
    }
    String state = status.state();
    if ("Cancelling".equals(state) && w.request == Settlement.StopRequest.NONE) {
      stop(
          w,
          Settlement.StopRequest.CANCEL,
          "Prefect flow run " + w.runId + " was cancelled (Cancelling)",
          null);
    } else if (w.last.starting()
        && w.request == Settlement.StopRequest.NONE
        && Duration.between(w.startedAt(), now).compareTo(settings.startTimeout()) >= 0) {
      String message =
          "Task "
              + w.taskArn
              + " did not start within "
              + settings.startTimeout().toMinutes()
              + " min; last status "
              + w.last.lastStatus()
              + (w.last.stoppedReason() == null ? "" : " (" + w.last.stoppedReason() + ")");
      stop(
          w,
          Settlement.StopRequest.STUCK,
          "Did not start within the agent's start timeout (last status "
              + w.last.lastStatus()
              + ")",
          message);
    }
    boolean fresh =
        w.lastHeartbeat != null
            && Duration.between(w.lastHeartbeat, now).compareTo(settings.heartbeatInterval()) < 0;
    if ("Submitted".equals(state) && !fresh) {
      heartbeats.add(w.runId);
      w.lastHeartbeat = now;
    }
  }

  private void stop(Watched w, Settlement.StopRequest request, String reason, String stuckMessage) {
    if (!w.runId.equals(w.last.flowRunId())) {
      LOG.error("Not stopping task {}: it is not the task of flow run {}", w.taskArn, w.runId);
      return;
    }
    try {
      ecs.stop(settings.cluster(), w.taskArn, reason);
    } catch (EcsTasksException e) {
      LOG.warn("StopTask of {} failed; trying again next tick: {}", w.taskArn, e.getMessage());
      return;
    }
    LOG.info("Stopped task {} of flow run {}: {}", w.taskArn, w.runId, reason);
    w.request = request;
    w.stuckMessage = stuckMessage;
  }

  private void heartbeat(List<String> runIds, Instant now) {
    if (runIds.isEmpty()) {
      return;
    }
    try {
      api.heartbeatFlowRuns(runIds).stream()
          .filter(r -> !r.isOk())
          .forEach(
              r ->
                  LOG.debug(
                      "Heartbeat of flow run {} failed: {}", r.runId(), r.error().getMessage()));
    } catch (PrefectApiException e) {
      LOG.warn(
          "Heartbeats of {} starting flow run(s) failed; sent again next tick: {}",
          runIds.size(),
          e.getMessage());
      watched.values().stream()
          .filter(w -> runIds.contains(w.runId))
          .forEach(w -> w.lastHeartbeat = null);
    }
  }

  private void forget(Watched w, String why) {
    LOG.info("Task {} of flow run {} stopped; nothing to report: {}", w.taskArn, w.runId, why);
    forget(w, false);
  }

  private void forget(Watched w, boolean reported) {
    watched.remove(w.taskArn);
    if (registry.releaseTask(w.runId, w.taskArn) || registry.get(w.runId).isEmpty()) {
      outcomes.forgetLaunch(w.runId);
    }
    Instant stoppedAt =
        w.last != null && w.last.stoppedAt() != null ? w.last.stoppedAt() : clock.instant();
    boolean abnormal =
        w.request == Settlement.StopRequest.STUCK
            || w.verdict instanceof Verdict.Failure
            || w.verdict instanceof Verdict.SpotInterrupted
            || w.verdict instanceof Verdict.CleanExit && reported;
    String cause =
        w.request == Settlement.StopRequest.CANCEL
            ? "cancelled in Prefect"
            : w.request == Settlement.StopRequest.STUCK
                ? w.stuckMessage
                : w.verdict == null ? null : w.verdict.message();
    events.taskStopped(
        new TaskEvents.TaskStop(w.runId, w.taskArn, stoppedAt, abnormal, abnormal ? cause : null));
  }

  /** Stops watching; state writes already queued are flushed by the caller's batcher. */
  @Override
  public void close() {
    closed = true;
  }
}
