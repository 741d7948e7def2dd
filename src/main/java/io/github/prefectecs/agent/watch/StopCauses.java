package io.github.prefectecs.agent.watch;

import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The stop-cause table: what a STOPPED task (or one ECS no longer knows) means for its run. Every
 * message names the task ARN and the cause. Stateless and thread-safe.
 */
public final class StopCauses {
  static final String SPOT_REASON = "Your Spot Task was interrupted";
  static final String NO_FINAL_STATE = "the flow process exited without reporting a final state";

  private StopCauses() {}

  /** A task DescribeTasks answered with the failure reason {@code MISSING}. */
  public static Verdict missing(String taskArn) {
    return new Verdict.Failure(
        "Task " + taskArn + " no longer known to ECS (DescribeTasks: MISSING); cause unknown",
        true);
  }

  /** The verdict for a STOPPED task that this agent did not stop itself. */
  public static Verdict of(ObservedTask task) {
    String arn = task.taskArn();
    String code = task.stopCode();
    String reason = blankToNull(task.stoppedReason());
    if ("SpotInterruption".equals(code) || (reason != null && reason.contains(SPOT_REASON))) {
      return new Verdict.SpotInterrupted(
          "Task " + arn + " was interrupted by Fargate Spot (" + codeAndReason(code, reason) + ")");
    }
    if ("TaskFailedToStart".equals(code)) {
      return new Verdict.Failure(
          "Task "
              + arn
              + " failed to start (TaskFailedToStart): "
              + (reason == null ? "no reason given" : reason)
              + containerReasons(task),
          true);
    }
    ObservedTask.Container failed = firstNonZeroExit(task);
    if (code != null && !"EssentialContainerExited".equals(code)) {
      String what =
          "UserInitiated".equals(code) ? " was stopped outside this agent" : " was stopped by ECS";
      return new Verdict.Failure(
          "Task "
              + arn
              + what
              + " ("
              + codeAndReason(code, reason)
              + ")"
              + (failed == null
                  ? ""
                  : "; container '" + failed.name() + "' exit code " + failed.exitCode()),
          !"UserInitiated".equals(code));
    }
    if (failed != null) {
      boolean oom =
          failed.exitCode() == 137
              || (failed.reason() != null
                  && failed.reason().toLowerCase(Locale.ROOT).contains("outofmemory"));
      return new Verdict.Failure(
          "Task "
              + arn
              + ": container '"
              + failed.name()
              + "' exited with code "
              + failed.exitCode()
              + (failed.reason() == null ? "" : " (" + failed.reason() + ")")
              + (reason == null ? "" : "; ECS: " + reason),
          oom);
    }
    boolean ran = task.containers().stream().anyMatch(c -> c.exitCode() != null);
    boolean exited =
        "EssentialContainerExited".equals(code)
            || reason == null
            || reason.startsWith("Essential container in task exited");
    if (exited && (ran || task.containers().isEmpty())) {
      return new Verdict.CleanExit("Task " + arn + " exited with code 0, but " + NO_FINAL_STATE);
    }
    if (exited) {
      return new Verdict.Failure(
          "Task " + arn + " stopped before its container ran (" + codeAndReason(code, reason) + ")",
          true);
    }
    // No stop code (emulators leave it out) and a reason of its own: someone stopped it.
    return new Verdict.Failure(
        "Task " + arn + " was stopped (" + codeAndReason(code, reason) + ")", false);
  }

  private static ObservedTask.Container firstNonZeroExit(ObservedTask task) {
    return task.containers().stream()
        .filter(c -> c.exitCode() != null && c.exitCode() != 0)
        .findFirst()
        .orElse(null);
  }

  private static String containerReasons(ObservedTask task) {
    String reasons =
        task.containers().stream()
            .filter(c -> c.reason() != null && !c.reason().isBlank())
            .map(c -> c.name() + ": " + c.reason())
            .collect(Collectors.joining("; "));
    return reasons.isEmpty() ? "" : " (" + reasons + ")";
  }

  private static String codeAndReason(String code, String reason) {
    return (code == null ? "no stop code" : code) + (reason == null ? "" : ": " + reason);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
