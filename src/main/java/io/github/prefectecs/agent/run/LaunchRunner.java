package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import java.util.List;
import java.util.Map;
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
  private final Map<String, Retry> retries = new ConcurrentHashMap<>();
  private volatile boolean stopping;

  /** A launch waiting to be tried again. */
  private record Retry(FlowRun run, boolean claimed, int attempt, ScheduledFuture<?> future) {}

  public LaunchRunner(
      RunRegistry registry,
      LaunchSlots slots,
      RunReporter reporter,
      Launcher launcher,
      ScheduledExecutorService scheduler,
      ExecutorService launchPool,
      int maxLaunchAttempts) {
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
   */
  void start(FlowRun run, boolean flowRunClaimed) {
    registry.markLaunching(run.id());
    execute(() -> launch(run, flowRunClaimed, 1), run, flowRunClaimed);
  }

  /** Gives back the run's reservation and launch slot. */
  void release(String runId) {
    registry.release(runId);
    slots.release();
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
      retries.put(run.id(), new Retry(run, flowRunClaimed, next, f));
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
    Retry p = retries.remove(runId);
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
                LOG.warn("Could not set flow run {} Failed: {}", run.id(), Errors.oneLine(error));
              }
            });
    reporter.dispatchNow();
    release(run.id());
  }

  private void execute(Runnable task, FlowRun run, boolean flowRunClaimed) {
    try {
      launchPool.execute(task);
    } catch (RejectedExecutionException e) {
      // Only after close(): the run is Submitted but cannot be launched any more.
      fail(run, flowRunClaimed, "The agent stopped before the ECS task could be started");
    }
  }

  /** Stops: launches waiting for a retry are tried now, so no Submitted run is left behind. */
  void stop() {
    stopping = true;
    for (Retry r : List.copyOf(retries.values())) {
      if (r.future().cancel(false) && retries.remove(r.run().id(), r)) {
        execute(() -> launch(r.run(), r.claimed(), r.attempt()), r.run(), r.claimed());
      }
    }
  }
}
