package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Instant;
import java.util.Set;

/**
 * Decides what a stopped task's run becomes, from the stop verdict, why the agent stopped it (if it
 * did) and the run's state in Prefect. A finished run is never overwritten; a run queued again is
 * left to the queue. Stateless and thread-safe.
 */
final class Settlement {
  /** Finished state types (Core 0.15's Finished subclasses), never overwritten. */
  static final Set<String> FINISHED =
      Set.of(
          "Finished",
          "Success",
          "Cached",
          "Mapped",
          "Skipped",
          "Looped",
          "Failed",
          "TimedOut",
          "TriggerFailed",
          "ValidationFailed",
          "Cancelled");

  /** Why the agent stopped a task itself. */
  enum StopRequest {
    NONE,
    CANCEL,
    STUCK
  }

  private Settlement() {}

  /**
   * @param taskArn the stopped task
   * @param verdict what the stop means (null when the agent stopped a stuck task: {@code
   *     stuckMessage} says why)
   * @param spotRelaunches Spot relaunches of this run so far
   */
  static Outcome decide(
      String taskArn,
      Verdict verdict,
      StopRequest request,
      String stuckMessage,
      FlowRunStatus status,
      int spotRelaunches,
      int spotLimit,
      Instant now) {
    if (status == null) {
      return new Outcome.Forget("the flow run is unknown to Prefect");
    }
    String state = status.state();
    if (state != null && FINISHED.contains(state)) {
      return new Outcome.Forget("the flow run is already " + state);
    }
    if (PrefectStates.isScheduledType(state)) {
      return new Outcome.Forget("the flow run is " + state + " again (queued)");
    }
    if (request == StopRequest.CANCEL || "Cancelling".equals(state)) {
      String message =
          "Flow run cancelled in Prefect; task " + taskArn + " was stopped by the agent";
      return new Outcome.Write(PrefectStates.cancelled(message), "INFO", message, false);
    }
    if (request == StopRequest.STUCK) {
      return failed(stuckMessage, true);
    }
    if (verdict instanceof Verdict.SpotInterrupted spot) {
      if (spotRelaunches >= spotLimit) {
        return failed(
            spot.message()
                + "; not relaunched: the Spot relaunch limit ("
                + spotLimit
                + ") is reached",
            true);
      }
      String message =
          spot.message()
              + "; relaunching on FARGATE (on-demand) "
              + SpotMarker.text(spotRelaunches + 1, spotLimit);
      return new Outcome.Write(PrefectStates.scheduled(message, now), "WARNING", message, false);
    }
    if (verdict instanceof Verdict.Failure failure) {
      return failed(failure.message(), failure.infrastructure());
    }
    return failed(verdict.message(), false);
  }

  private static Outcome failed(String message, boolean notify) {
    return new Outcome.Write(PrefectStates.failed(message), "ERROR", message, notify);
  }
}
