package io.github.prefectecs.agent.run;

import java.time.Clock;
import java.time.Instant;

/**
 * What the health endpoint reports: healthy only while polls succeed.
 *
 * <p>Thread-safe (a volatile immutable snapshot).
 */
public final class AgentHealth {

  /**
   * A snapshot.
   *
   * @param healthy whether the last poll succeeded
   * @param reason why not healthy (one line), or "ok"
   * @param lastSuccessfulPoll when a poll last succeeded, or null
   * @param consecutiveFailures failed polls (or connection attempts) since the last success
   */
  public record Status(
      boolean healthy, String reason, Instant lastSuccessfulPoll, int consecutiveFailures) {}

  private final Clock clock;
  private volatile Status status =
      new Status(false, "starting: not connected to the API yet", null, 0);

  public AgentHealth(Clock clock) {
    this.clock = clock;
  }

  public Status status() {
    return status;
  }

  public void pollSucceeded() {
    status = new Status(true, "ok", clock.instant(), 0);
  }

  /** Records a failure; {@code reason} must be one line without secrets. */
  public void failed(String reason) {
    Status s = status;
    status = new Status(false, reason, s.lastSuccessfulPoll(), s.consecutiveFailures() + 1);
  }

  /** Records that the agent is stopping. */
  public void stopping() {
    Status s = status;
    status = new Status(false, "stopping", s.lastSuccessfulPoll(), s.consecutiveFailures());
  }
}
