package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.cost.CostEstimator;
import io.github.prefectecs.agent.cost.CostLine;
import io.github.prefectecs.agent.cost.Estimate;
import io.github.prefectecs.agent.cost.Usage;
import io.github.prefectecs.agent.metrics.CostMetrics;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a stopped task leaves the watch: listeners hear of its stop (and of its start
 * first, for one found stopped at start-up), its cost goes to its run's log and to the cost series,
 * and a Fargate Spot interruption feeds the Spot circuit breaker. Watcher thread only.
 */
final class TaskEnds {
  private static final Logger LOG = LoggerFactory.getLogger(TaskEnds.class);
  private final TaskEvents events;
  private final RunOutcomes outcomes;
  private final CostEstimator costs;
  private final CostMetrics metrics;
  private final SpotBreaker breaker;

  TaskEnds(
      TaskEvents events,
      RunOutcomes outcomes,
      CostEstimator costs,
      CostMetrics metrics,
      SpotBreaker breaker) {
    this.events = events;
    this.outcomes = outcomes;
    this.costs = costs;
    this.metrics = metrics;
    this.breaker = breaker;
  }

  /**
   * {@code w} leaves the watch at {@code now}.
   *
   * @param reported its run was told what happened (a state written)
   * @param account account its cost (run log, series): false for a task found stopped at start-up
   *     whose run had settled already (the process that settled it did)
   * @param runExists its run still exists in Prefect (its cost line goes to the run's log)
   */
  void ended(Watched w, Instant now, boolean reported, boolean account, boolean runExists) {
    ObservedTask last = w.last();
    if (!w.markAnnounced()) {
      // Found stopped at start-up: listeners hear of its start before its stop.
      events.taskStarted(
          new TaskEvents.TaskStart(
              w.runId,
              w.taskArn,
              last == null ? null : last.taskDefinitionArn(),
              w.since,
              last == null ? null : last.createdAt()));
    }
    Instant stoppedAt = last != null && last.stoppedAt() != null ? last.stoppedAt() : now;
    Verdict verdict = w.verdict();
    Settlement.StopRequest request = w.request();
    boolean failedByAgent =
        request == Settlement.StopRequest.STUCK || request == Settlement.StopRequest.OVERTIME;
    boolean abnormal =
        failedByAgent
            || verdict instanceof Verdict.Failure
            || verdict instanceof Verdict.SpotInterrupted
            || verdict instanceof Verdict.CleanExit && reported;
    String cause =
        request == Settlement.StopRequest.CANCEL
            ? "cancelled in Prefect"
            : failedByAgent ? w.failureMessage() : verdict == null ? null : verdict.message();
    events.taskStopped(
        new TaskEvents.TaskStop(w.runId, w.taskArn, stoppedAt, abnormal, abnormal ? cause : null));
    if (verdict instanceof Verdict.SpotInterrupted) {
      breaker.spotInterrupted(stoppedAt, w.taskArn);
    }
    if (account) {
      account(w, now, runExists);
    }
  }

  private void account(Watched w, Instant now, boolean runExists) {
    Usage usage = TaskUsage.of(w, now);
    if (usage == null) {
      return;
    }
    Estimate estimate = costs.estimate(usage);
    if (usage.sized()) {
      metrics.used(usage.placementLabel(), usage.vcpuSeconds(), usage.gibSeconds());
    }
    if (estimate instanceof Estimate.Priced priced) {
      metrics.cost(usage.placementLabel(), priced.dollars(), priced.spotSavings());
    }
    String line = CostLine.of(estimate);
    LOG.info("Task {} of flow run {}: {}", w.taskArn, w.runId, line);
    if (runExists) {
      outcomes.log(w.runId, "INFO", line);
    }
  }
}
