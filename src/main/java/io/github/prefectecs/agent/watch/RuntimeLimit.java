package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.support.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * The maximum runtime of a task: the {@code prefect:max-runtime} tag the launcher put on it (the
 * run's own {@code PREFECT_ECS_AGENT_MAX_RUNTIME}, else the agent's {@code max_runtime}), measured
 * from ECS's {@code startedAt} (else from when the watcher first saw it RUNNING). Stateless.
 */
final class RuntimeLimit {
  private RuntimeLimit() {}

  /**
   * What its run is failed with when {@code w} has run past its maximum runtime at {@code now};
   * null when it has none, is not RUNNING, or is within it.
   */
  static String exceeded(Watched w, Instant now) {
    ObservedTask task = w.last();
    Duration limit = task == null ? null : task.tags().maxRuntime();
    if (limit == null || !"RUNNING".equals(task.lastStatus())) {
      return null;
    }
    Duration ran = Duration.between(started(w), now);
    if (ran.compareTo(limit) < 0) {
      return null;
    }
    return "Task "
        + w.taskArn
        + " ran "
        + Durations.human(ran)
        + ", longer than its maximum runtime of "
        + Durations.human(limit)
        + "; the agent stopped it";
  }

  /** The stopped reason ECS shows for the stop (at most 255 characters). */
  static String stopReason(Watched w) {
    return "Flow run "
        + w.runId
        + " ran past its maximum runtime of "
        + Durations.human(w.last().tags().maxRuntime());
  }

  private static Instant started(Watched w) {
    Instant started = w.last().times().startedAt();
    if (started != null) {
      return started;
    }
    return w.firstRunningAt() != null ? w.firstRunningAt() : w.startedAt();
  }
}
