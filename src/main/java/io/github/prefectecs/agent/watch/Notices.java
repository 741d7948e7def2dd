package io.github.prefectecs.agent.watch;

import java.util.Objects;

/**
 * Tells operators about infrastructure failures of runs (e.g. a Slack webhook).
 *
 * <p>Implementations are thread-safe, return at once and never throw: a slow or failing channel
 * must not delay supervision.
 */
public interface Notices {
  /** Sends nothing. */
  Notices NONE = notice -> {};

  void post(Notice notice);

  /** Tells operators about the agent itself (not one run), e.g. the Spot circuit breaker. */
  default void announce(String message) {}

  /**
   * @param flowRunId the run
   * @param flowRunName its name; may be null
   * @param flowName its flow's name; may be null
   * @param cause one line naming the cause (names the task ARN)
   * @param taskArn the task
   */
  record Notice(
      String flowRunId, String flowRunName, String flowName, String cause, String taskArn) {
    public Notice {
      Objects.requireNonNull(flowRunId, "flowRunId");
      Objects.requireNonNull(cause, "cause");
    }
  }
}
