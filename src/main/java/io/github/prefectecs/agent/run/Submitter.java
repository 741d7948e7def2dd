package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Claims runs (waits for their start time, sets {@code Submitted} on the flow run and its scheduled
 * task runs) and hands each claimed run to the {@link Launcher}; then reports the outcome through
 * the {@link RunReporter}.
 *
 * <p>Every run given to {@link #submit} must already be reserved in the {@link RunRegistry} and
 * hold one {@link LaunchSlots} slot; the submitter gives both back when it is done with the run.
 * Thread-safe: the poll thread submits, the batcher's callbacks claim, the launch pool launches.
 */
public final class Submitter {
  private static final Logger LOG = LoggerFactory.getLogger(Submitter.class);
  static final String FLOW_RUN_ID = "flow_run_id";

  /** Attempts to learn whether a claim whose answer was lost went through. */
  static final int MAX_CLAIM_CHECKS = 5;

  private final PrefectApi api;
  private final String agentId;
  private final RunRegistry registry;
  private final LaunchSlots slots;
  private final RunReporter reporter;
  private final Launcher launcher;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService launchPool;
  private final Clock clock;
  private final int maxLaunchAttempts;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private volatile boolean stopping;

  /** A run waiting for its start time (not yet claimed) or for a launch retry (claimed). */
  private record Pending(FlowRun run, boolean claimed, int attempt, ScheduledFuture<?> future) {}

  /**
   * @param api used only to check claims whose answer was lost
   * @param agentId this agent's registered id (recorded by the server with each Submitted state)
   */
  public Submitter(
      PrefectApi api,
      String agentId,
      RunRegistry registry,
      LaunchSlots slots,
      RunReporter reporter,
      Launcher launcher,
      ScheduledExecutorService scheduler,
      ExecutorService launchPool,
      Clock clock,
      int maxLaunchAttempts) {
    this.api = api;
    this.agentId = agentId;
    this.registry = registry;
    this.slots = slots;
    this.reporter = reporter;
    this.launcher = launcher;
    this.scheduler = scheduler;
    this.launchPool = launchPool;
    this.clock = clock;
    this.maxLaunchAttempts = maxLaunchAttempts;
  }

  /** Claims {@code runs} now, or at their start time when it is still ahead. */
  public void submit(List<FlowRun> runs) {
    Instant now = clock.instant();
    List<FlowRun> due = new ArrayList<>();
    for (FlowRun run : runs) {
      Instant start = startTime(run, now);
      long waitMillis = Duration.between(now, start).toMillis();
      if (waitMillis <= 0) {
        due.add(run);
      } else {
        LOG.debug("Waiting {} ms to deploy flow run {} on time", waitMillis, run.id());
        ScheduledFuture<?> f =
            scheduler.schedule(() -> claimScheduled(run), waitMillis, TimeUnit.MILLISECONDS);
        pending.put(run.id(), new Pending(run, false, 0, f));
      }
    }
    claim(due);
  }

  private void claimScheduled(FlowRun run) {
    if (pending.remove(run.id()) != null) {
      claim(List.of(run));
    }
  }

  private static Instant startTime(FlowRun run, Instant now) {
    if (run.serializedState() == null || !PrefectStates.isScheduledType(run.state())) {
      return now;
    }
    return PrefectStates.startTime(run.serializedState()).orElse(now);
  }

  /** Sets Submitted on every run at once (one batched request), then launches the winners. */
  private void claim(List<FlowRun> runs) {
    for (FlowRun run : runs) {
      if (stopping) {
        giveUp(run, "the agent is stopping");
        continue;
      }
      boolean flowRunScheduled = PrefectStates.isScheduledType(run.state());
      CompletableFuture<Void> flowState =
          flowRunScheduled
              ? reporter.setFlowRunState(
                  new StateUpdate(
                      run.id(),
                      run.version(),
                      PrefectStates.submitted(run.serializedState(), "Submitted for execution")))
              : CompletableFuture.completedFuture(null);
      flowState
          .thenCompose(ignored -> submitTaskRuns(run, flowRunScheduled))
          .whenComplete((ignored, error) -> afterClaim(run, flowRunScheduled, error));
    }
    reporter.dispatchNow();
  }

  private CompletableFuture<Void> submitTaskRuns(FlowRun run, boolean flowRunClaimed) {
    List<CompletableFuture<Void>> updates = new ArrayList<>();
    for (TaskRun taskRun : run.taskRuns()) {
      String type =
          taskRun.serializedState() == null
              ? null
              : taskRun.serializedState().path("type").asText();
      if (type != null && PrefectStates.isScheduledType(type)) {
        updates.add(
            reporter.setTaskRunState(
                new StateUpdate(
                    taskRun.id(),
                    taskRun.version(),
                    PrefectStates.submitted(
                        taskRun.serializedState(), "Submitted for execution."))));
      }
    }
    CompletableFuture<Void> all =
        CompletableFuture.allOf(updates.toArray(CompletableFuture[]::new));
    if (!flowRunClaimed) {
      return all;
    }
    // The flow run is ours already: a task run that could not be marked does not stop the launch.
    return all.exceptionally(
        error -> {
          LOG.warn(
              "Could not mark the task runs of flow run {} Submitted ({}); launching anyway",
              run.id(),
              oneLine(error));
          return null;
        });
  }

  private void afterClaim(FlowRun run, boolean flowRunClaimed, Throwable error) {
    if (error == null) {
      startLaunch(run, flowRunClaimed);
      return;
    }
    Throwable cause = unwrap(error);
    if (cause instanceof PrefectApiException e
        && e.kind() == PrefectApiException.Kind.ALREADY_SUBMITTED) {
      LOG.debug("Flow run {} was already submitted by another agent; skipping it", run.id());
      done(run.id());
    } else if (flowRunClaimed && cause instanceof PrefectApiException e && e.retryable()) {
      // The answer was lost (timeout, 5xx): the Submitted state may have been recorded. Leaving
      // the run alone then would strand it in Submitted without a task, so ask who holds it.
      LOG.warn(
          "No answer to the claim of flow run {} ({}); checking whether it went through",
          run.id(),
          oneLine(cause));
      checkLater(run, 1, 0);
    } else {
      LOG.warn(
          "Could not claim flow run {}; it stays queued for the next poll: {}",
          run.id(),
          oneLine(cause));
      done(run.id());
    }
  }

  private void startLaunch(FlowRun run, boolean flowRunClaimed) {
    registry.markLaunching(run.id());
    execute(() -> launch(run, flowRunClaimed, 1), run, flowRunClaimed);
  }

  private void checkClaim(FlowRun run, int check) {
    try {
      FlowRunStatus status =
          api.flowRunStatuses(List.of(run.id())).stream()
              .filter(s -> s.id().equals(run.id()))
              .findFirst()
              .orElse(null);
      if (status != null
          && "Submitted".equals(status.state())
          && agentId != null
          && agentId.equals(status.agentId())) {
        LOG.info("The claim of flow run {} went through; launching it", run.id());
        startLaunch(run, true);
      } else {
        LOG.info(
            "The claim of flow run {} did not go through (state {}); it stays queued",
            run.id(),
            status == null ? "unknown" : status.state());
        done(run.id());
      }
    } catch (PrefectApiException e) {
      if (check >= MAX_CLAIM_CHECKS || stopping) {
        LOG.error(
            "Cannot learn whether flow run {} was claimed ({}); if it shows Submitted without a"
                + " task, the server's Lazarus service reschedules it",
            run.id(),
            oneLine(e));
        done(run.id());
        return;
      }
      checkLater(run, check + 1, 1_000L << Math.min(check, 5));
    }
  }

  private void checkLater(FlowRun run, int check, long delayMillis) {
    Runnable task =
        () -> {
          try {
            launchPool.execute(() -> checkClaim(run, check));
          } catch (RejectedExecutionException e) {
            done(run.id()); // stopping: whether the claim went through stays unknown
          }
        };
    if (delayMillis == 0) {
      task.run();
    } else {
      scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void launch(FlowRun run, boolean flowRunClaimed, int attempt) {
    MDC.put(FLOW_RUN_ID, run.id());
    try {
      LOG.info("Deploying flow run {} to execution environment (attempt {})", run.id(), attempt);
      LaunchResult result;
      try {
        result = launcher.launch(run, attempt);
      } catch (RuntimeException e) {
        LOG.error("Unexpected error while launching flow run {}", run.id(), e);
        result = new LaunchResult.Rejected("Unexpected error while starting the ECS task: " + e);
      }
      handle(run, flowRunClaimed, attempt, result);
    } finally {
      MDC.remove(FLOW_RUN_ID);
    }
  }

  private void handle(FlowRun run, boolean flowRunClaimed, int attempt, LaunchResult result) {
    if (result instanceof LaunchResult.Launched launched) {
      registry.markLaunched(run.id(), launched.taskArn());
      for (String note : launched.notes()) {
        reporter.log(run.id(), "INFO", note);
      }
      reporter.log(run.id(), "INFO", "Submitted for execution: Task " + launched.taskArn());
      LOG.info("Completed deployment of flow run {}: task {}", run.id(), launched.taskArn());
      slots.release();
    } else if (result instanceof LaunchResult.Retryable retry
        && (retry.throttled() || attempt < maxLaunchAttempts)) {
      // Throttling does not use up an attempt: it must never fail a run.
      int next = retry.throttled() ? attempt : attempt + 1;
      LOG.warn(
          "Launch of flow run {} failed ({}); retrying in {} ms (attempt {} of {})",
          run.id(),
          retry.reason(),
          retry.retryAfter().toMillis(),
          next,
          maxLaunchAttempts);
      long delay = stopping ? 0 : retry.retryAfter().toMillis();
      ScheduledFuture<?> f =
          scheduler.schedule(
              () -> retryPending(run.id()), Math.max(0, delay), TimeUnit.MILLISECONDS);
      pending.put(run.id(), new Pending(run, flowRunClaimed, next, f));
    } else if (result instanceof LaunchResult.Retryable retry) {
      fail(
          run,
          flowRunClaimed,
          "Failed to start an ECS task after " + attempt + " attempts: " + retry.reason());
    } else if (result instanceof LaunchResult.Rejected rejected) {
      fail(run, flowRunClaimed, rejected.reason());
    }
  }

  private void retryPending(String runId) {
    Pending p = pending.remove(runId);
    if (p != null) {
      execute(() -> launch(p.run(), p.claimed(), p.attempt()), p.run(), p.claimed());
    }
  }

  private void fail(FlowRun run, boolean flowRunClaimed, String reason) {
    LOG.error("Deployment of flow run {} aborted: {}", run.id(), reason);
    reporter.log(run.id(), "ERROR", reason);
    // Submitted added one version; Prefect Cloud's version lock wants the current one.
    Integer version = flowRunClaimed ? run.version() + 1 : run.version();
    reporter
        .setFlowRunState(new StateUpdate(run.id(), version, PrefectStates.failed(reason)))
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                LOG.warn("Could not set flow run {} Failed: {}", run.id(), oneLine(unwrap(error)));
              }
            });
    reporter.dispatchNow();
    done(run.id());
  }

  private void execute(Runnable task, FlowRun run, boolean flowRunClaimed) {
    try {
      launchPool.execute(task);
    } catch (RejectedExecutionException e) {
      // Only after close(): the run is Submitted but cannot be launched any more.
      fail(run, flowRunClaimed, "The agent stopped before the ECS task could be started");
    }
  }

  private void giveUp(FlowRun run, String why) {
    LOG.debug("Not claiming flow run {}: {}", run.id(), why);
    done(run.id());
  }

  private void done(String runId) {
    registry.release(runId);
    slots.release();
  }

  /**
   * Stops claiming: runs still waiting for their start time are handed back (they were never
   * Submitted, so another agent or the next start picks them up); launches waiting for a retry are
   * started now so that no Submitted run is left without a task.
   */
  public void stop() {
    stopping = true;
    for (Pending p : List.copyOf(pending.values())) {
      if (p.future().cancel(false) && pending.remove(p.run().id(), p)) {
        if (p.claimed() || p.attempt() > 0) {
          execute(() -> launch(p.run(), p.claimed(), p.attempt()), p.run(), p.claimed());
        } else {
          giveUp(p.run(), "the agent is stopping");
        }
      }
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static String oneLine(Throwable t) {
    Throwable cause = unwrap(t);
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
