package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.cost.CostEstimator;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Clock;
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
  private final TaskLooks looks;
  private final LiveTasks live;
  private final RestartListing restart;
  private final TaskEnds ends;
  private final SpotBreaker breaker;
  private volatile boolean closed;
  private volatile Instant lastTick;

  /**
   * @param outcomes writes run states and logs, fires stop events and notices
   * @param costs prices each stopped task for its run log and the cost series
   * @param breaker told of every Fargate Spot interruption; its cool-down is checked every tick
   * @param thread the watcher's own single-thread scheduler (owned by the caller)
   */
  public TaskWatcher(
      EcsTasks ecs,
      PrefectApi api,
      RunRegistry registry,
      TaskEvents events,
      RunOutcomes outcomes,
      WatchSettings settings,
      CostEstimator costs,
      SpotBreaker breaker,
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
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    this.looks = new TaskLooks(ecs, events, settings);
    this.live =
        new LiveTasks(
            ecs,
            api,
            settings,
            new OrphanReaper(
                settings.orphanGrace(),
                settings.agentName(),
                outcomes.metrics(),
                outcomes,
                settings.cluster()));
    this.restart = new RestartListing(ecs, settings, registry);
    this.ends = new TaskEnds(events, outcomes, costs, outcomes.metrics().cost(), breaker);
  }

  /**
   * When the last tick completed (the health endpoint's liveness); the start time until the first
   * one did, null before {@link #start()}.
   */
  public Instant lastTick() {
    return lastTick;
  }

  /** Starts ticking on the watcher's thread. */
  public void start() {
    lastTick = clock.instant();
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
      lastTick = clock.instant();
    } catch (RuntimeException | Error e) {
      // An Error too: a periodic task that throws is never run again, and supervision would stop
      // silently. The health endpoint turns 503 when ticks stop completing.
      LOG.error("Task watcher tick failed; trying again next tick: {}", e.toString(), e);
    }
  }

  /** One round: learn new tasks, describe the due ones, read their runs, act, heartbeat. */
  public void tick() {
    Instant now = clock.instant();
    breaker.open(); // closes it once its cool-down is over, also while nothing launches
    synchronized (watched) {
      restart.addTo(watched, now);
      absorbRegistry(now);
      finishWrites();
      List<Watched> looked = looks.describeDue(watched.values(), now);
      List<Watched> settling = new ArrayList<>();
      for (Watched w : watched.values()) {
        if (w.ended() && w.write() != Watched.Write.PENDING && !looked.contains(w)) {
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
      live.heartbeat(heartbeats, watched.values());
      outcomes.dispatchNow();
    }
  }

  private void absorbRegistry(Instant now) {
    for (RunRegistry.Entry e : registry.tasks()) {
      watched.computeIfAbsent(
          e.taskArn(), arn -> new Watched(e.runId(), arn, e.since(), settings.cluster()));
    }
  }

  private void finishWrites() {
    for (Watched w : List.copyOf(watched.values())) {
      if (w.write() == Watched.Write.DONE) {
        if (w.rescheduled()) {
          // Counted once written: the marker may not be read back before the next relaunch.
          spotRelaunches.put(w.runId, SpotMarker.count(w.outcome().state()));
        }
        forget(w, true, true, true);
      } else {
        w.retryWrite(); // a failed write is written again, from a fresh read of the run
      }
    }
  }

  /**
   * The runs of {@code ws} in one request per {@value #STATUS_CHUNK}; runs whose task ended come
   * with their open task runs (retries due later, paused or interrupted task runs).
   */
  private Map<String, FlowRunStatus> readStatuses(List<Watched> ws) {
    List<String> ids = ws.stream().map(w -> w.runId).distinct().toList();
    java.util.Set<String> ended = new java.util.HashSet<>();
    ws.stream().filter(Watched::ended).forEach(w -> ended.add(w.runId));
    Map<String, FlowRunStatus> result = new HashMap<>();
    try {
      for (int from = 0; from < ids.size(); from += STATUS_CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + STATUS_CHUNK));
        api.flowRunStatuses(chunk, chunk.stream().filter(ended::contains).toList())
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
    if (w.write() == Watched.Write.PENDING) {
      return;
    }
    if (!w.ended()) {
      live.act(w, status, now, heartbeats);
      return;
    }
    if (w.lookAgainAtCleanExit()) {
      return;
    }
    RunRegistry.Entry entry = registry.get(w.runId).orElse(null);
    if (entry != null && (entry.phase().busy() || !w.taskArn.equals(entry.taskArn()))) {
      // The run was queued again and is being (or was) launched anew: this task is history.
      forget(w, "the run is being launched again (" + entry.phase() + ")", true);
      return;
    }
    int spot =
        Math.max(
            spotRelaunches.getOrDefault(w.runId, 0),
            status == null ? 0 : SpotMarker.count(status.serializedState()));
    Outcome outcome =
        Settlement.decide(
            new Settlement.Stop(
                w.taskArn, w.attempt(), w.verdict(), w.request(), w.failureMessage(), w.since),
            status,
            spot,
            settings.spotRelaunchLimit(),
            now);
    if (outcome instanceof Outcome.Forget f) {
      forget(w, f.why(), status != null);
    } else if (outcome instanceof Outcome.Release release) {
      LOG.info("Task {} of flow run {} stopped: {}", w.taskArn, w.runId, release.logMessage());
      outcomes.release(w, release);
      forget(w, false, true, true);
    } else if (outcome instanceof Outcome.Write write) {
      outcomes.write(w, status, write);
    }
  }

  private void forget(Watched w, String why, boolean runExists) {
    LOG.info("Task {} of flow run {} stopped; nothing to report: {}", w.taskArn, w.runId, why);
    // A task found stopped at start-up whose run settled was accounted by the process that saw it.
    forget(w, false, !w.foundAtStart(), runExists);
  }

  /**
   * @param reported its run was told what happened
   * @param account its cost is accounted (run log, series)
   * @param runExists its run still exists in Prefect
   */
  private void forget(Watched w, boolean reported, boolean account, boolean runExists) {
    watched.remove(w.taskArn);
    if (!w.rescheduled()) {
      spotRelaunches.remove(w.runId);
    }
    if (registry.releaseTask(w.runId, w.taskArn) || registry.get(w.runId).isEmpty()) {
      outcomes.forgetLaunch(w.runId);
    }
    ends.ended(w, clock.instant(), reported, account, runExists);
  }

  /** Stops watching; state writes already queued are flushed by the caller's batcher. */
  @Override
  public void close() {
    closed = true;
  }
}
