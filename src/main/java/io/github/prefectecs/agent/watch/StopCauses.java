package io.github.prefectecs.agent.watch;

import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The stop-cause table: what a STOPPED task (or one ECS no longer knows) means for its run. The
 * exit code and reason come from the container that runs the flow ({@link
 * ObservedTask#flowContainer()}); another container (a log router, a proxy, a sidecar) explains a
 * stop only as context. Every message names the task ARN and the cause. Stateless and thread-safe.
 */
public final class StopCauses {
  static final String SPOT_REASON = "Your Spot Task was interrupted";
  static final String NO_FINAL_STATE = "the flow process exited without reporting a final state";

  private StopCauses() {}

  /** A task DescribeTasks kept answering with the failure reason {@code MISSING}. */
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
    ObservedTask.Container flow = task.flowContainer();
    ObservedTask.Container sidecar = firstOtherExit(task, flow);
    String context =
        sidecar == null
            ? ""
            : "; container '" + sidecar.name() + "' exited with code " + sidecar.exitCode();
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
              + (flow == null || flow.exitCode() == null || flow.exitCode() == 0
                  ? ""
                  : "; container '" + flow.name() + "' exit code " + flow.exitCode()),
          !"UserInitiated".equals(code));
    }
    if (flow != null && flow.exitCode() != null && flow.exitCode() != 0) {
      boolean oom = oom(flow, sidecar);
      return new Verdict.Failure(
          "Task "
              + arn
              + ": container '"
              + flow.name()
              + "' exited with code "
              + flow.exitCode()
              + (flow.reason() == null ? "" : " (" + flow.reason() + ")")
              + (reason == null ? "" : "; ECS: " + reason)
              + context,
          oom || sidecar != null);
    }
    boolean exited =
        "EssentialContainerExited".equals(code)
            || reason == null
            || reason.startsWith("Essential container in task exited");
    if (!exited) {
      // No stop code (emulators leave it out) and a reason of its own: someone stopped it.
      return new Verdict.Failure(
          "Task " + arn + " was stopped (" + codeAndReason(code, reason) + ")", false);
    }
    if (flow != null && flow.exitCode() != null) {
      return new Verdict.CleanExit(
          "Task " + arn + ": container '" + flow.name() + "' exited with code 0" + context);
    }
    if (task.containers().isEmpty()) {
      // Nothing about containers at all (some emulators): an exit without a failure.
      return new Verdict.CleanExit("Task " + arn + " exited (no container details)");
    }
    return new Verdict.Failure(
        "Task "
            + arn
            + " stopped before its flow container ran ("
            + codeAndReason(code, reason)
            + ")"
            + context,
        true);
  }

  /**
   * An out-of-memory kill: ECS's reason says so, or exit 137 (SIGKILL) with no other container
   * whose exit would explain the kill.
   */
  private static boolean oom(ObservedTask.Container flow, ObservedTask.Container sidecar) {
    boolean reasonSaysSo =
        flow.reason() != null && flow.reason().toLowerCase(Locale.ROOT).contains("outofmemory");
    return reasonSaysSo || (flow.exitCode() == 137 && sidecar == null);
  }

  /** Another container than the flow's that exited with a non-zero code, if any. */
  private static ObservedTask.Container firstOtherExit(
      ObservedTask task, ObservedTask.Container flow) {
    return task.containers().stream()
        .filter(c -> c != flow && c.exitCode() != null && c.exitCode() != 0)
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
