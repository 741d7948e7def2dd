package io.github.prefectecs.agent.run;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** What became of one launch attempt. Expected failures are values, not exceptions. */
public sealed interface LaunchResult {

  /**
   * The task started (or one was already running for the run).
   *
   * @param taskArn the ECS task ARN
   * @param notes lines worth writing to the run's log (e.g. "no Spot capacity, started on FARGATE")
   * @param where where to look at the task (console addresses), appended to the run's "Submitted
   *     for execution" log; empty for nothing
   */
  record Launched(String taskArn, List<String> notes, String where) implements LaunchResult {
    public Launched {
      Objects.requireNonNull(taskArn, "taskArn");
      notes = List.copyOf(notes);
      Objects.requireNonNull(where, "where");
    }

    /** A started task with nothing more to say where it is. */
    public Launched(String taskArn, List<String> notes) {
      this(taskArn, notes, "");
    }
  }

  /**
   * The run cannot be launched as configured; it should fail with {@code reason}.
   *
   * @param reason one line naming the field or the AWS failure, for the run's Failed state
   */
  record Rejected(String reason) implements LaunchResult {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The run's previous task is still stopping (the server rescheduled the run while it lived): try
   * again after {@code retryAfter}, without using up an attempt.
   *
   * @param reason what is waited for, naming the task
   * @param retryAfter how long to wait before looking again
   */
  record Waiting(String reason, Duration retryAfter) implements LaunchResult {
    public Waiting {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(retryAfter, "retryAfter");
    }
  }

  /**
   * A transient failure (throttling that outlasted retries, capacity unavailable, ENI timeout).
   *
   * @param reason what happened
   * @param retryAfter how long to wait before the next attempt
   * @param throttled the AWS API throttled the call: retried without counting as a failed attempt,
   *     so throttling never fails a run
   */
  record Retryable(String reason, Duration retryAfter, boolean throttled) implements LaunchResult {
    public Retryable {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** A transient failure that is not throttling. */
    public Retryable(String reason, Duration retryAfter) {
      this(reason, retryAfter, false);
    }
  }
}
