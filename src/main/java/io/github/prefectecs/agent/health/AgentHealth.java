package io.github.prefectecs.agent.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

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
  private final List<Progress> progress = new CopyOnWriteArrayList<>();
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
   * Also reports unhealthy when {@code lastProgress} (e.g. a background loop's last completed
   * round) is older than {@code staleAfter}: {@code name} is stuck. A null progress is not judged.
   */
  public void watchProgress(String name, Supplier<Instant> lastProgress, Duration staleAfter) {
    progress.add(new Progress(name, lastProgress, staleAfter));
  }

  private record Progress(String name, Supplier<Instant> last, Duration staleAfter) {}

  /** The current verdict; a success older than the stale bound is reported as a stuck poll loop. */
  public Status status() {
    Status s = status;
    if (s.healthy()) {
      for (Progress p : progress) {
        Instant last = p.last().get();
        if (last != null && clock.instant().isAfter(last.plus(p.staleAfter()))) {
          return new Status(
              false,
              p.name()
                  + ": nothing finished for "
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
