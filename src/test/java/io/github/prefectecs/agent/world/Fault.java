package io.github.prefectecs.agent.world;

import java.util.Objects;

/**
 * A way ECS ends a task that a local process cannot show by itself. Values; the front applies them.
 */
public sealed interface Fault {
  /** The container's reason when the kernel's OOM killer ends it. */
  String OOM_REASON = "OutOfMemoryError: Container killed due to memory usage";

  /** ECS's stopped reason of an interrupted Fargate Spot task. */
  String SPOT_REASON = "Your Spot Task was interrupted.";

  /**
   * Out of memory: SIGKILL now, exit 137, {@link #OOM_REASON}, {@code EssentialContainerExited}.
   */
  record OutOfMemory() implements Fault {}

  /**
   * Fargate Spot reclaims the capacity: SIGTERM, SIGKILL after the stop timeout, stop code {@code
   * TerminationNotice} while stopping and {@code SpotInterruption} once stopped.
   */
  record SpotInterruption() implements Fault {}

  /**
   * The task never starts (no process, no log stream): {@code TaskFailedToStart} with {@code
   * reason}, also each container's reason.
   */
  record FailedToStart(String reason) implements Fault {
    public FailedToStart {
      Objects.requireNonNull(reason, "reason");
    }
  }

  static Fault outOfMemory() {
    return new OutOfMemory();
  }

  static Fault spotInterruption() {
    return new SpotInterruption();
  }

  /** An image that cannot be pulled, as Fargate reports it. */
  static Fault cannotPull(String image) {
    return new FailedToStart(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to"
            + " resolve ref docker.io/"
            + image
            + ": "
            + image
            + ": not found");
  }
}
