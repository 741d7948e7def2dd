package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.support.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops tasks of this agent that go on running for a run that no longer needs them: its run
 * finished (Success, Failed, Cancelled, ...) or no longer exists in Prefect, once they have done so
 * for the orphan grace (a flow process normally exits seconds after its final state); with a grace
 * of zero it only reports them. Never a task another agent's tag names, never one whose run is live
 * (the caller only asks about finished and deleted runs). Each one gets a WARN, a run log (while
 * the run exists) and the metric {@code prefect_ecs_agent_orphan_tasks_total{reason, action}};
 * tasks of an older attempt, which the watcher stops at once, are counted there too. Watcher thread
 * only.
 */
final class OrphanReaper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanReaper.class);
  static final String RUN_FINISHED = "run_finished";
  static final String RUN_DELETED = "run_deleted";
  static final String OLDER_ATTEMPT = "older_attempt";

  /** Sends StopTask for a task; false when it could not (tried again next tick). */
  @FunctionalInterface
  interface Stopper {
    boolean stop(Watched w, Settlement.StopRequest request, String reason, String failureMessage);
  }

  private final Duration grace;
  private final String agentName;
  private final AgentMetrics metrics;
  private final RunOutcomes outcomes;
  private final String defaultCluster;

  /**
   * @param agentName the {@code prefect:agent} tag of this agent's tasks; a task without it is
   *     never stopped
   */
  OrphanReaper(
      Duration grace,
      String agentName,
      AgentMetrics metrics,
      RunOutcomes outcomes,
      String defaultCluster) {
    this.grace = Objects.requireNonNull(grace, "grace");
    this.agentName = agentName;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    this.defaultCluster = defaultCluster;
  }

  /** {@code w} still runs while its run ended in {@code state}. */
  void finished(Watched w, String state, Instant now, Stopper stopper) {
    orphan(w, now, RUN_FINISHED, "its flow run ended " + state, true, stopper);
  }

  /** {@code w} still runs while the run it was started for no longer exists in Prefect. */
  void deleted(Watched w, Instant now, Stopper stopper) {
    orphan(w, now, RUN_DELETED, "its flow run was deleted in Prefect", false, stopper);
  }

  /** The watcher stopped {@code w} because a later attempt of its run took over. */
  void olderAttemptStopped() {
    metrics.orphanTask(OLDER_ATTEMPT, "stopped");
  }

  private void orphan(
      Watched w, Instant now, String reason, String why, boolean runLog, Stopper stopper) {
    if (w.request() != Settlement.StopRequest.NONE || w.last().stopRequested()) {
      return; // being stopped already
    }
    if (agentName == null || !agentName.equals(w.last().agentName())) {
      if (w.reportOrphanOnce()) {
        LOG.warn(
            "Task {} still runs although {}, but its prefect:agent tag ({}) is not this agent's;"
                + " leaving it alone",
            w.taskArn,
            why,
            w.last().agentName());
      }
      return;
    }
    Duration outlived = Duration.between(w.orphanSince(now), now);
    String links = ConsoleLinks.line(w.taskArn, defaultCluster, w.last().tags().logs());
    if (grace.isZero()) {
      if (w.reportOrphanOnce()) {
        String message =
            "Task "
                + w.taskArn
                + " still runs although "
                + why
                + "; orphan_grace is 0, so the agent only reports it. "
                + links;
        LOG.warn(message);
        metrics.orphanTask(reason, "reported");
        if (runLog) {
          outcomes.log(w.runId, "WARNING", message);
        }
      }
      return;
    }
    if (outlived.compareTo(grace) < 0) {
      return;
    }
    String message =
        "Task "
            + w.taskArn
            + " was still running "
            + Durations.human(outlived)
            + " after "
            + why
            + "; the agent stopped it (orphan_grace "
            + Durations.human(grace)
            + "). "
            + links;
    String ecsReason = "Flow run " + w.runId + ": orphaned, " + why;
    if (stopper.stop(w, Settlement.StopRequest.ORPHAN, ecsReason, null)) {
      LOG.warn(message);
      metrics.orphanTask(reason, "stopped");
      if (runLog) {
        outcomes.log(w.runId, "WARNING", message);
      }
    }
  }
}
