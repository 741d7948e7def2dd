package io.github.prefectecs.agent.run;

import java.time.Clock;
import java.time.Duration;
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

  /**
   * A healthy verdict older than this turns unhealthy: polls end at least every 10 s when idle and
   * each API call is bounded by its call timeout, so a silent loop means a stuck or dead poller.
   */
  public static final Duration STALE_AFTER = Duration.ofMinutes(3);

  private final Clock clock;
  private final Duration staleAfter;
  private final java.util.Map<String, Instant> loops =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Status status =
      new Status(false, "starting: not connected to the API yet", null, 0);

  public AgentHealth(Clock clock) {
    this(clock, STALE_AFTER);
  }

  public AgentHealth(Clock clock, Duration staleAfter) {
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  /**
   * The current verdict; a success older than the stale bound is reported as a stuck poll loop, and
   * a loop registered with {@link #loopTicked} that has not completed a round within the bound as
   * that loop being stuck.
   */
  public Status status() {
    Status s = status;
    if (s.healthy()) {
      for (var loop : loops.entrySet()) {
        Instant last = loop.getValue();
        if (clock.instant().isAfter(last.plus(staleAfter))) {
          return new Status(
              false,
              loop.getKey()
                  + " has not completed a round for "
                  + Duration.between(last, clock.instant()).toSeconds()
                  + " s; it is stuck",
              s.lastSuccessfulPoll(),
              s.consecutiveFailures());
        }
      }
    }
    if (s.healthy()
        && s.lastSuccessfulPoll() != null
        && clock.instant().isAfter(s.lastSuccessfulPoll().plus(staleAfter))) {
      return new Status(
          false,
          "no poll has finished for "
              + Duration.between(s.lastSuccessfulPoll(), clock.instant()).toSeconds()
              + " s; the poll loop is stuck",
          s.lastSuccessfulPoll(),
          s.consecutiveFailures());
    }
    return s;
  }

  /**
   * Records that {@code loop} (e.g. "task supervision") completed a round at {@code at}; from the
   * first call on, a loop silent for longer than the stale bound makes the agent unhealthy.
   */
  public void loopTicked(String loop, Instant at) {
    loops.put(loop, at);
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
