package io.github.prefectecs.agent.world;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One container of a {@link LocalTask}: its status, exit code and reason as ECS reports them, its
 * process and awslogs stream once started, and the lines it printed.
 *
 * <p>Not thread-safe: guarded by its task's lock (its stream is thread-safe on its own).
 */
final class ContainerSlot {
  final ContainerSpec spec;
  String lastStatus = "PENDING";
  Integer exitCode;
  String reason;
  ContainerProcess process;
  AwsLogsStream stream;
  ScheduledFuture<?> killTimer;
  final List<String> lines = new ArrayList<>();

  ContainerSlot(ContainerSpec spec) {
    this.spec = spec;
  }

  boolean live() {
    return "RUNNING".equals(lastStatus);
  }

  /** Sends its buffered output; a failure is printed, the lines kept for the next flush. */
  void flush(String taskArn) {
    if (stream == null) {
      return;
    }
    try {
      stream.flush();
    } catch (RuntimeException e) {
      System.err.println("ECS front: PutLogEvents for " + taskArn + " failed: " + e);
    }
  }

  TaskView.ContainerView view() {
    return new TaskView.ContainerView(
        spec.name(),
        spec.image(),
        spec.essential(),
        lastStatus,
        exitCode,
        reason,
        spec.logs() == null ? null : spec.logs().stream());
  }
}
