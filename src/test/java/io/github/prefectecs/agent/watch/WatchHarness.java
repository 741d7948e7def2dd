package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.github.prefectecs.agent.cost.CostEstimator;
import io.github.prefectecs.agent.cost.PriceTable;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** A watcher over a fake ECS and fake Prefect runs, ticked by hand on a manual clock. */
final class WatchHarness implements AutoCloseable {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  final ManualClock clock = new ManualClock(START);
  final FakeEcsTasks ecs = new FakeEcsTasks();
  final FakePrefectRuns prefect = new FakePrefectRuns();
  final RunRegistry registry = new RunRegistry(clock);
  final List<TaskEvents.TaskStart> starts = new CopyOnWriteArrayList<>();
  final List<TaskEvents.TaskStop> stops = new CopyOnWriteArrayList<>();
  final List<Notices.Notice> notices = new CopyOnWriteArrayList<>();
  final List<String> forgottenLaunches = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService batchThreads = Executors.newScheduledThreadPool(2);
  private final ScheduledExecutorService watchThread = Executors.newSingleThreadScheduledExecutor();
  final PrefectBatcher batcher;
  final TaskWatcher watcher;
  final AgentMetrics metrics = AgentMetrics.create();
  final SpotBreaker breaker;

  WatchHarness() {
    this(Duration.ofMinutes(10), 3);
  }

  WatchHarness(Duration startTimeout, int spotLimit) {
    this(startTimeout, spotLimit, Duration.ofMinutes(5), SpotBreakerSettings.defaults());
  }

  /**
   * @param orphanGrace how long a task may outlive its run before it is stopped (0: reported)
   * @param breaker the Spot circuit breaker's settings
   */
  WatchHarness(
      Duration startTimeout, int spotLimit, Duration orphanGrace, SpotBreakerSettings breaker) {
    this.breaker = new SpotBreaker(breaker, metrics, clock);
    batcher =
        new PrefectBatcher(
            prefect,
            batchThreads,
            Duration.ofMillis(1),
            new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)),
            1000,
            Clock.systemUTC());
    RunReporter reporter = new RunReporter(batcher, "agent", clock);
    TaskEvents events =
        new TaskEvents() {
          @Override
          public void taskStarted(TaskStart start) {
            starts.add(start);
          }

          @Override
          public void taskStopped(TaskStop stop) {
            stops.add(stop);
          }
        };
    RunOutcomes outcomes = new RunOutcomes(reporter, notices::add, forgottenLaunches::add, metrics);
    watcher =
        new TaskWatcher(
            ecs,
            prefect,
            registry,
            events,
            outcomes,
            WatchSettings.defaults(null, "agent", startTimeout, spotLimit)
                .withOrphanGrace(orphanGrace),
            new CostEstimator(PriceTable.of(CostSettings.defaults())),
            this.breaker,
            clock,
            watchThread);
  }

  /**
   * A run claimed by this agent (Submitted at version 2, naming the attempt) with a RUNNING task of
   * that attempt; the flow process's Running makes it version 3.
   */
  String launch(String runId) {
    return launch(runId, "RUNNING");
  }

  /** As {@link #launch(String)}, with the task in {@code status}. */
  String launch(String runId, String status) {
    String arn = "arn:aws:ecs:us-east-1:1:task/c/" + runId;
    RunAttempt attempt = attemptOf(runId);
    prefect.set(
        runId,
        PrefectStates.submitted(null, "Submitted for execution", "claim-token", attempt.id()));
    ecs.put(FakeEcsTasks.task(arn, runId, status, attempt));
    registry.tryReserve(runId);
    registry.markLaunched(runId, arn);
    return arn;
  }

  /** The attempt {@link #launch} claims {@code runId} with. */
  static RunAttempt attemptOf(String runId) {
    return new RunAttempt(String.format("%08x", runId.hashCode()), 3);
  }

  /** Ticks, then lets the batched writes of that tick land. */
  void tick() {
    watcher.tick();
    batcher.flush(Duration.ofSeconds(10));
  }

  /**
   * Ticks every 5 s of clock time (at most 100 s of it) until {@code runId} is no longer watched;
   * then goes on ticking without moving the clock, for up to 10 s, as a write answered late on a
   * busy machine is only acted on at the next tick.
   */
  void tickUntilSettled(String runId) {
    int advances = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (registry.contains(runId) && System.nanoTime() < deadline) {
      if (advances++ < 20) {
        clock.advance(Duration.ofSeconds(5));
      } else {
        sleep(Duration.ofMillis(20));
      }
      tick();
    }
    Eventually.until(
        Duration.ofSeconds(1), "run " + runId + " settled", () -> !registry.contains(runId));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    batcher.close();
    batchThreads.shutdownNow();
    watchThread.shutdownNow();
  }
}
