package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides what a stopped task's run becomes, from the stop verdict, why the agent stopped it (if it
 * did), the run's state in Prefect and the task's launch attempt. Never overrules Prefect: a
 * finished run is never overwritten, a run queued again is left to the queue, a run a later attempt
 * holds is left to that attempt, and a flow process that exited 0 leaving the run Running with task
 * runs due later (long retries, pauses) is left for the queue to bring back. Stateless and
 * thread-safe.
 */
final class Settlement {

  /** Why the agent stopped a task itself. */
  enum StopRequest {
    NONE,
    CANCEL,
    STUCK,
    /** The run was rescheduled while the task lived; a later attempt owns the run. */
    SUPERSEDED,
    /** It ran past its maximum runtime: its run fails (unless Prefect finished it meanwhile). */
    OVERTIME,
    /** It outlived its run (finished or deleted): nothing to write when it stops. */
    ORPHAN
  }

  /**
   * A stopped task as the watcher knows it.
   *
   * @param taskArn the task
   * @param attempt the launch attempt its tags name; null when unknown (older tasks)
   * @param verdict what the stop means (null when the agent stopped the task itself)
   * @param request why the agent stopped it, if it did
   * @param failureMessage what the run is failed with when the agent stopped the task for a failure
   *     (a stuck start, a maximum runtime), else null
   * @param launchedAt when the agent launched (or adopted) the task; its claim came just before
   */
  record Stop(
      String taskArn,
      RunAttempt attempt,
      Verdict verdict,
      StopRequest request,
      String failureMessage,
      Instant launchedAt) {}

  /**
   * Prefect Server refuses a second Submitted state for 30 s after one: a relaunch scheduled sooner
   * would be refused and checked for a minute before it could be claimed.
   */
  static final Duration SUBMITTED_LOCK = Duration.ofSeconds(31);

  /** Beyond this, a scheduled task run's start time is not a retry but a pause (10 years). */
  private static final Duration PAUSE_HORIZON = Duration.ofDays(365);

  private Settlement() {}

  /**
   * @param status the run now, with its open task runs
   * @param spotRelaunches Spot relaunches of this run so far
   */
  static Outcome decide(
      Stop stop, FlowRunStatus status, int spotRelaunches, int spotLimit, Instant now) {
    if (status == null) {
      return new Outcome.Forget("the flow run is unknown to Prefect");
    }
    String state = status.state();
    if (PrefectStates.isFinished(state)) {
      return new Outcome.Forget("the flow run is already " + state);
    }
    if (PrefectStates.isScheduledType(state)) {
      return new Outcome.Forget("the flow run is " + state + " again (queued)");
    }
    if (stop.request() == StopRequest.SUPERSEDED) {
      return new Outcome.Forget("a later attempt holds the flow run (" + describe(status) + ")");
    }
    if (stop.request() == StopRequest.ORPHAN) {
      return new Outcome.Forget(
          "the agent stopped it after its run no longer needed it (" + describe(status) + ")");
    }
    if (request(stop, StopRequest.CANCEL) || "Cancelling".equals(state)) {
      String message =
          "Flow run cancelled in Prefect; task " + stop.taskArn() + " was stopped by the agent";
      return Outcome.Write.of(PrefectStates.cancelled(message), "INFO", message, false);
    }
    String later = laterAttempt(stop.attempt(), status);
    if (later != null) {
      return new Outcome.Forget(later);
    }
    if (request(stop, StopRequest.STUCK) || request(stop, StopRequest.OVERTIME)) {
      return failed(stop.failureMessage(), true);
    }
    Verdict verdict = stop.verdict();
    if (verdict instanceof Verdict.SpotInterrupted spot) {
      Instant lockEnds = stop.launchedAt() == null ? now : stop.launchedAt().plus(SUBMITTED_LOCK);
      return spot(
          stop.taskArn(),
          spot,
          status,
          spotRelaunches,
          spotLimit,
          now.isAfter(lockEnds) ? now : lockEnds);
    }
    if (verdict instanceof Verdict.Failure failure) {
      return failed(failure.message(), failure.infrastructure());
    }
    return cleanExit(verdict.message(), status, now);
  }

  private static boolean request(Stop stop, StopRequest request) {
    return stop.request() == request;
  }

  /**
   * Why the run's current state is not the stopped task's attempt (null when it is, or when the
   * task names no attempt): a Submitted state another claim wrote, or a Running run whose version
   * went past the attempt's (it was queued and claimed again since).
   */
  static String laterAttempt(RunAttempt attempt, FlowRunStatus status) {
    if (attempt == null) {
      return null;
    }
    if ("Submitted".equals(status.state())) {
      String claimed = PrefectStates.attemptOf(status.serializedState());
      return attempt.id().equals(claimed)
          ? null
          : "the flow run was claimed again since ("
              + (claimed == null ? "by another agent" : "attempt " + claimed)
              + "; this task was attempt "
              + attempt.id()
              + ")";
    }
    if ("Running".equals(status.state()) && status.version() > attempt.runningVersion()) {
      return "the flow run was claimed again since (version "
          + status.version()
          + "; this task's attempt "
          + attempt.id()
          + " ran at version "
          + attempt.runningVersion()
          + ")";
    }
    return null;
  }

  private static Outcome spot(
      String taskArn,
      Verdict.SpotInterrupted spot,
      FlowRunStatus status,
      int spotRelaunches,
      int spotLimit,
      Instant relaunchAt) {
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
    // As the Prefect UI's restart does: unfinished task runs go back to Pending, or the new flow
    // process would skip a task left Running ("task is already running") and never finish.
    String reset =
        "Reset to Pending: the flow process running it was interrupted by Fargate Spot (task "
            + taskArn
            + "); the flow run is relaunched";
    List<StateUpdate> resets = new ArrayList<>();
    for (TaskRun taskRun : status.openTaskRuns()) {
      if (!"Pending".equals(taskRun.stateType())) {
        resets.add(new StateUpdate(taskRun.id(), taskRun.version(), PrefectStates.pending(reset)));
      }
    }
    return new Outcome.Write(
        PrefectStates.scheduled(message, relaunchAt), "WARNING", message, false, resets);
  }

  /**
   * Exit 0 with the run not finished: Prefect 0.15 leaves a run Running on purpose when a task run
   * waits in a scheduled-type state with a start time (a retry due more than 10 minutes later, a
   * pause for approval, a long queue wait); the server queues the run again when it is due.
   */
  private static Outcome cleanExit(String message, FlowRunStatus status, Instant now) {
    List<TaskRun> waiting = new ArrayList<>();
    for (TaskRun taskRun : status.openTaskRuns()) {
      if (waitsForLater(taskRun)) {
        waiting.add(taskRun);
      }
    }
    if ("Running".equals(status.state()) && !waiting.isEmpty()) {
      // Paused ones (no start time: they wait for a person) last.
      waiting.sort(Comparator.comparing(t -> t.startTime().orElse(Instant.MAX)));
      return new Outcome.Release("INFO", finishedForNow(message, waiting, now));
    }
    return failed(message + ", but " + StopCauses.NO_FINAL_STATE + "; " + openFacts(status), false);
  }

  /**
   * A task run the flow process left for later: a scheduled-type state with a start time (a retry,
   * a queue wait, a resume), or Paused, which Core 0.15.13 writes without a start time (its
   * docstring's "10 years from now" is not what its code does) and the server never queues until
   * someone resumes it.
   */
  private static boolean waitsForLater(TaskRun taskRun) {
    String type = taskRun.stateType();
    return PrefectStates.isScheduledType(type)
        && (taskRun.startTime().isPresent() || "Paused".equals(type));
  }

  private static String finishedForNow(String exited, List<TaskRun> waiting, Instant now) {
    TaskRun first = waiting.get(0);
    Instant due = first.startTime().orElse(null);
    String what =
        due == null || Duration.between(now, due).compareTo(PAUSE_HORIZON) > 0
            ? first.stateType()
                + ", waiting for approval (resume it in the Prefect UI to run it again)"
            : first.stateType() + " until " + PrefectStates.format(due);
    String more = waiting.size() > 1 ? " and " + (waiting.size() - 1) + " more" : "";
    return "The flow container finished for now: "
        + exited
        + ", leaving the run Running on purpose, as Prefect does when work is due later: task run "
        + first.id()
        + " is "
        + what
        + more
        + ". Prefect queues the run again when it is due, and an agent starts a new container"
        + " then.";
  }

  private static String openFacts(FlowRunStatus status) {
    Map<String, Integer> counts = new TreeMap<>();
    status
        .openTaskRuns()
        .forEach(t -> counts.merge(String.valueOf(t.stateType()), 1, Integer::sum));
    String open =
        counts.isEmpty()
            ? "no task run is open"
            : "its open task runs: "
                + String.join(
                    ", ",
                    counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
    return "the run is still "
        + status.state()
        + " and no task run waits for a retry or an approval ("
        + open
        + ")";
  }

  private static String describe(FlowRunStatus status) {
    String attempt = PrefectStates.attemptOf(status.serializedState());
    return "state "
        + status.state()
        + ", version "
        + status.version()
        + (attempt == null ? "" : ", attempt " + attempt);
  }

  private static Outcome failed(String message, boolean notify) {
    return Outcome.Write.of(PrefectStates.failed(message), "ERROR", message, notify);
  }
}
