package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.run.Launcher.PreviousTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a run the server queued again (rescheduled, or its task runs retrying) gets when
 * this agent started or adopted a task for it: a new task exactly when the old one is gone; the old
 * task reported again while it is alive. When the infrastructure cannot be asked, the run waits
 * {@link #RETRY_UNKNOWN} before it is considered again, so a failing DescribeTasks is not repeated
 * on every poll.
 *
 * <p>Thread-safe; called from the poll thread.
 */
public final class RelaunchCheck {
  private static final Logger LOG = LoggerFactory.getLogger(RelaunchCheck.class);

  /** How long a run whose old task could not be looked up waits before it is considered again. */
  public static final Duration RETRY_UNKNOWN = Duration.ofSeconds(30);

  private final Launcher launcher;
  private final Clock clock;
  private final Map<String, Instant> deferredUntil = new ConcurrentHashMap<>();

  public RelaunchCheck(Launcher launcher, Clock clock) {
    this.launcher = launcher;
    this.clock = clock;
  }

  /**
   * Whether {@code run} (whose previous task is {@code taskArn}) may be claimed now. When its
   * previous task is gone the launcher forgets it, so the launch starts a new task. When it is
   * alive and the server rescheduled the run (the flow run itself is Scheduled again: Lazarus, a
   * restart in the UI), the old task is stopped and the launch waits for it to be STOPPED before it
   * starts the new attempt; when only task runs are queued again (a Running run retrying) the
   * launcher keeps the task, so the launch reports it and starts none.
   */
  public boolean mayClaim(FlowRun run, String taskArn) {
    String runId = run.id();
    Instant now = clock.instant();
    Instant until = deferredUntil.get(runId);
    if (until != null && now.isBefore(until)) {
      return false;
    }
    deferredUntil.remove(runId);
    PreviousTask previous = launcher.previousTask(runId);
    switch (previous) {
      case ALIVE -> {
        if (PrefectStates.isScheduledType(run.state())) {
          String message =
              run.serializedState() == null
                  ? null
                  : run.serializedState().path("message").asText(null);
          String reason =
              "Flow run "
                  + runId
                  + " was rescheduled ("
                  + run.state()
                  + (message == null ? "" : ": " + message)
                  + ") while this task ran; stopped so that the new attempt starts alone";
          LOG.info(
              "Flow run {} was rescheduled while its task {} still runs; stopping that task, the"
                  + " new attempt starts once it is stopped",
              runId,
              taskArn);
          launcher.retirePrevious(runId, reason);
        } else {
          LOG.info(
              "Flow run {} is queued again; its task {} still runs, so no other is started",
              runId,
              taskArn);
        }
      }
      case GONE -> {
        LOG.info(
            "Flow run {} is queued again and its task {} is gone; a new task will be started",
            runId,
            taskArn);
        launcher.forget(runId);
      }
      case UNKNOWN -> {
        deferredUntil.put(runId, now.plus(RETRY_UNKNOWN));
        return false;
      }
    }
    return true;
  }
}
