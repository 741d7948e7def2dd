package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.support.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Launches claimed runs on the {@link Launcher} (on the launch pool), retries transient failures
 * (throttling without limit, others up to {@code maxLaunchAttempts}), and reports the outcome: the
 * run log "Submitted for execution: Task &lt;arn&gt;", or an ERROR run log and a Failed state.
 *
 * <p>Gives back the run's registry reservation and launch slot when it is done with the run.
 * Thread-safe.
 */
public final class LaunchRunner {
  private static final Logger LOG = LoggerFactory.getLogger(LaunchRunner.class);
  static final String FLOW_RUN_ID = "flow_run_id";

  private final RunRegistry registry;
  private final LaunchSlots slots;
  private final RunReporter reporter;
  private final Launcher launcher;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService launchPool;
  private final int maxLaunchAttempts;
  private final AgentMetrics metrics;
  private final Map<String, Retry> retries = new ConcurrentHashMap<>();
  private volatile boolean stopping;

  /** The first throttled retry waits up to this long; each further one up to twice as long. */
  static final Duration THROTTLE_BASE = Duration.ofSeconds(2);

  /** Between tries of a Failed state that could not be written. */
  static final Backoff FAILED_WRITE_BACKOFF =
      new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

  /**
   * A launch waiting to be tried again. It is in {@link #retries} before its timer is set, so the
   * timer cannot fire before the retry can be found.
   */
  private static final class Retry {
    final FlowRun run;
    final boolean claimed;
    final int attempt;
    final int throttles;
    final RunAttempt runAttempt;
    volatile ScheduledFuture<?> future;

    Retry(FlowRun run, boolean claimed, int attempt, int throttles, RunAttempt runAttempt) {
      this.run = run;
      this.claimed = claimed;
      this.attempt = attempt;
      this.throttles = throttles;
      this.runAttempt = runAttempt;
    }
  }

  public LaunchRunner(
      RunRegistry registry,
      LaunchSlots slots,
      RunReporter reporter,
      Launcher launcher,
      ScheduledExecutorService scheduler,
      ExecutorService launchPool,
      int maxLaunchAttempts) {
    this(
        registry,
        slots,
        reporter,
        launcher,
        scheduler,
        launchPool,
        maxLaunchAttempts,
        AgentMetrics.create());
  }

  /** As above, reporting launches, launch failures and launch durations to {@code metrics}. */
  public LaunchRunner(
      RunRegistry registry,
      LaunchSlots slots,
      RunReporter reporter,
      Launcher launcher,
      ScheduledExecutorService scheduler,
      ExecutorService launchPool,
      int maxLaunchAttempts,
      AgentMetrics metrics) {
    this.metrics = metrics;
    this.registry = registry;
    this.slots = slots;
    this.reporter = reporter;
    this.launcher = launcher;
    this.scheduler = scheduler;
    this.launchPool = launchPool;
    this.maxLaunchAttempts = maxLaunchAttempts;
  }

  /**
   * Launches a claimed run on the launch pool.
   *
   * @param flowRunClaimed whether this agent set the flow run Submitted (its version went up)
   * @param attempt the launch attempt the claim started (kept by every retry of this launch)
   */
  void start(FlowRun run, boolean flowRunClaimed, RunAttempt attempt) {
    registry.markLaunching(run.id());
    execute(() -> launch(run, flowRunClaimed, 1, 0, attempt), run, flowRunClaimed);
  }

  /** Gives back the run's reservation and launch slot. */
  void release(String runId) {
    holdChecks.remove(runId);
    registry.release(runId);
    slots.release();
  }

  /**
   * Before launching a claim this old, the launch checks that the claim still holds: a restarted
   * agent of this name takes over claims without a task after {@code StrandedClaims}'s bound
   * (longer than this plus the longest RunTask call), so no run gets a task from each.
   */
  public static final Duration RECHECK_AFTER = Duration.ofMinutes(2);

  /** Whether a claim still holds; null when that cannot be learned now. */
  @FunctionalInterface
  interface ClaimHold {
    Boolean stillHeld(FlowRun run, RunAttempt attempt, boolean flowRunClaimed);
  }

  private volatile ClaimHold claimHold = (run, attempt, flowRunClaimed) -> true;

  void checkOldClaimsWith(ClaimHold hold) {
    this.claimHold = hold;
  }

  /** False when the launch must not go ahead now (its claim is gone, or cannot be checked). */
  private boolean claimStillHeld(
      FlowRun run, boolean flowRunClaimed, int attempt, int throttles, RunAttempt runAttempt) {
    boolean old =
        registry.timeInPhase(run.id()).map(age -> age.compareTo(RECHECK_AFTER) >= 0).orElse(false);
    if (!old || runAttempt == null) {
      return true;
    }
    long now = System.nanoTime();
    Long last = holdChecks.get(run.id());
    if (last != null && now - last < HOLD_CHECK_EVERY.toNanos()) {
      return true; // checked moments ago (a launch waiting for its previous task retries often)
    }
    holdChecks.put(run.id(), now);
    Boolean held = claimHold.stillHeld(run, runAttempt, flowRunClaimed);
    if (held == null && stopping) {
      LOG.warn(
          "The agent is stopping and the claim of flow run {} cannot be checked; it stays"
              + " Submitted for the next agent of this name",
          run.id());
      release(run.id());
      return false;
    }
    if (held == null) {
      scheduleRetry(
          new Retry(run, flowRunClaimed, attempt, throttles, runAttempt),
          stopping ? Duration.ZERO : LaunchRunner.CLAIM_RECHECK_RETRY);
      return false;
    }
    if (!held) {
      LOG.warn(
          "The claim of flow run {} (attempt {}) no longer holds; another process of this agent"
              + " took it over, so this one does not launch it",
          run.id(),
          runAttempt.id());
      release(run.id());
      return false;
    }
    return true;
  }

  static final Duration CLAIM_RECHECK_RETRY = Duration.ofSeconds(15);

  /** A claim that held is not checked again for this long. */
  static final Duration HOLD_CHECK_EVERY = Duration.ofSeconds(30);

  private final Map<String, Long> holdChecks = new ConcurrentHashMap<>();

  private void launch(
      FlowRun run, boolean flowRunClaimed, int attempt, int throttles, RunAttempt runAttempt) {
    MDC.put(FLOW_RUN_ID, run.id());
    try {
      if (!claimStillHeld(run, flowRunClaimed, attempt, throttles, runAttempt)) {
        return;
      }
      LOG.info("Deploying flow run {} to execution environment (attempt {})", run.id(), attempt);
      LaunchResult result;
      try {
        result = launcher.launch(run, attempt, runAttempt);
      } catch (RuntimeException e) {
        LOG.error("Unexpected error while launching flow run {}", run.id(), e);
        result = new LaunchResult.Rejected("Unexpected error while starting the ECS task: " + e);
      }
      handle(run, flowRunClaimed, attempt, throttles, runAttempt, result);
    } finally {
      MDC.remove(FLOW_RUN_ID);
    }
  }

  private void handle(
      FlowRun run,
      boolean flowRunClaimed,
      int attempt,
      int throttles,
      RunAttempt runAttempt,
      LaunchResult result) {
    if (result instanceof LaunchResult.Launched launched) {
      registry.timeInPhase(run.id()).ifPresent(metrics::launchDuration);
      metrics.runLaunched();
      registry.markLaunched(run.id(), launched.taskArn());
      holdChecks.remove(run.id());
      for (String note : launched.notes()) {
        reporter.log(run.id(), "INFO", note);
      }
      reporter.log(
          run.id(),
          "INFO",
          "Submitted for execution: Task "
              + launched.taskArn()
              + (launched.where().isEmpty() ? "" : " " + launched.where()));
      LOG.info("Completed deployment of flow run {}: task {}", run.id(), launched.taskArn());
      slots.release();
    } else if (result instanceof LaunchResult.Waiting waiting && stopping) {
      // Its claim stays: a restarted agent of the same name takes it over once the old task is
      // gone (or the server's Lazarus reschedules it); failing the run would overrule Prefect.
      LOG.warn(
          "The agent is stopping while flow run {} waits ({}); it stays Submitted for the next"
              + " agent of this name",
          run.id(),
          waiting.reason());
      release(run.id());
    } else if (result instanceof LaunchResult.Waiting waiting) {
      // Not a failure: the run's previous task is stopping (the launcher bounds the wait).
      LOG.info(
          "Launch of flow run {} waits {} ms: {}",
          run.id(),
          waiting.retryAfter().toMillis(),
          waiting.reason());
      scheduleRetry(
          new Retry(run, flowRunClaimed, attempt, throttles, runAttempt), waiting.retryAfter());
    } else if (result instanceof LaunchResult.Retryable retry
        && (retry.throttled() || attempt < maxLaunchAttempts)) {
      // Throttling does not use up an attempt: it must never fail a run.
      int next = retry.throttled() ? attempt : attempt + 1;
      Duration delay = stopping ? Duration.ZERO : retryDelay(retry, throttles);
      LOG.warn(
          "Launch of flow run {} failed ({}); retrying in {} ms (attempt {} of {})",
          run.id(),
          retry.reason(),
          delay.toMillis(),
          next,
          maxLaunchAttempts);
      scheduleRetry(
          new Retry(
              run, flowRunClaimed, next, retry.throttled() ? throttles + 1 : throttles, runAttempt),
          delay);
    } else if (result instanceof LaunchResult.Retryable retry) {
      metrics.runFailed(AgentMetrics.CAUSE_LAUNCH_RETRIES_EXHAUSTED);
      fail(
          run,
          flowRunClaimed,
          "Failed to start an ECS task after " + attempt + " attempts: " + retry.reason());
    } else if (result instanceof LaunchResult.Rejected rejected) {
      metrics.runFailed(AgentMetrics.CAUSE_LAUNCH_REJECTED);
      fail(run, flowRunClaimed, rejected.reason());
    }
  }

  /**
   * The wait before the next try. Throttling backs off exponentially with jitter (half fixed, half
   * random) from {@link #THROTTLE_BASE} up to the launcher's suggested wait, so a short burst of
   * throttling costs seconds while lasting throttling settles at the suggested wait; other failures
   * wait what the launcher suggests.
   */
  static Duration retryDelay(LaunchResult.Retryable retry, int throttlesBefore) {
    if (!retry.throttled() || retry.retryAfter().isZero()) {
      return retry.retryAfter();
    }
    Duration base =
        retry.retryAfter().compareTo(THROTTLE_BASE) < 0 ? retry.retryAfter() : THROTTLE_BASE;
    long ceiling = new Backoff(base, retry.retryAfter()).ceiling(throttlesBefore).toMillis();
    long half = ceiling / 2;
    return Duration.ofMillis(ceiling - half + ThreadLocalRandom.current().nextLong(half + 1));
  }

  private void scheduleRetry(Retry retry, Duration delay) {
    retries.put(retry.run.id(), retry);
    try {
      retry.future =
          scheduler.schedule(() -> retryNow(retry), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      retryNow(retry); // the scheduler is shut down: try once more now (or fail the run)
    }
  }

  private void retryNow(Retry retry) {
    if (retries.remove(retry.run.id(), retry)) {
      execute(
          () -> launch(retry.run, retry.claimed, retry.attempt, retry.throttles, retry.runAttempt),
          retry.run,
          retry.claimed);
    }
  }

  private void fail(FlowRun run, boolean flowRunClaimed, String reason) {
    LOG.error("Deployment of flow run {} aborted: {}", run.id(), reason);
    reporter.log(run.id(), "ERROR", reason);
    // Submitted added one version; Prefect Cloud's version lock wants the current one.
    Integer version = flowRunClaimed ? run.version() + 1 : run.version();
    writeFailed(new StateUpdate(run.id(), version, PrefectStates.failed(reason)), 1);
    reporter.dispatchNow();
    release(run.id());
  }

  /**
   * Sets the Failed state, and on a retryable failure sets it again with backoff (1 s doubling to a
   * minute) until it is written: a run left Submitted without a task would otherwise wait for the
   * server's Lazarus and use up one of its reschedules. Stops when the agent stops.
   */
  private void writeFailed(StateUpdate update, int attempt) {
    reporter
        .setFlowRunState(update)
        .whenComplete(
            (ignored, error) -> {
              if (error == null) {
                if (attempt > 1) {
                  LOG.info("Flow run {} is marked Failed", update.runId());
                }
                return;
              }
              Throwable cause = Errors.unwrap(error);
              if (!(cause instanceof PrefectApiException e && e.retryable())) {
                LOG.error(
                    "Could not set flow run {} Failed: {}", update.runId(), Errors.oneLine(error));
                return;
              }
              long delay = FAILED_WRITE_BACKOFF.delay(attempt - 1).toMillis();
              LOG.warn(
                  "Could not set flow run {} Failed ({}); trying again in {} ms",
                  update.runId(),
                  Errors.oneLine(error),
                  delay);
              try {
                scheduler.schedule(
                    () -> {
                      writeFailed(update, attempt + 1);
                      reporter.dispatchNow();
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException stopped) {
                LOG.error(
                    "Flow run {} could not be marked Failed before the agent stopped; the"
                        + " server's Lazarus service will reschedule it",
                    update.runId());
              }
            });
  }

  private void execute(Runnable task, FlowRun run, boolean flowRunClaimed) {
    try {
      launchPool.execute(task);
    } catch (RejectedExecutionException e) {
      // Only after close(): the run is Submitted but cannot be launched any more.
      metrics.runFailed(AgentMetrics.CAUSE_AGENT_STOPPED);
      fail(run, flowRunClaimed, "The agent stopped before the ECS task could be started");
    }
  }

  /** Stops: launches waiting for a retry are tried now, so no Submitted run is left behind. */
  void stop() {
    stopping = true;
    for (Retry r : List.copyOf(retries.values())) {
      ScheduledFuture<?> f = r.future;
      if (f != null) {
        f.cancel(false);
      }
      retryNow(r);
    }
  }
}
