package io.github.prefectecs.agent.watch;

import java.util.Objects;

/** What a stopped task means for its flow run, before the run's Prefect state is considered. */
public sealed interface Verdict {

  /** One line naming the task ARN and the cause. */
  String message();

  /** Every essential container exited with code 0. */
  record CleanExit(String message) implements Verdict {
    public CleanExit {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * The run failed for the task's sake.
   *
   * @param infrastructure the cause lies with the infrastructure (failed start, OOM kill, stuck
   *     start, task gone), worth a notice to operators
   */
  record Failure(String message, boolean infrastructure) implements Verdict {
    public Failure {
      Objects.requireNonNull(message, "message");
    }
  }

  /** Fargate Spot took the task back: relaunch on FARGATE (on-demand). */
  record SpotInterrupted(String message) implements Verdict {
    public SpotInterrupted {
      Objects.requireNonNull(message, "message");
    }
  }
}
