package io.github.prefectecs.agent.claim;

import io.github.prefectecs.agent.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs whose claim failed for a reason that is not another agent holding them (a GraphQL error, an
 * API that keeps failing): each is left alone for 1 s, 2 s, 4 s ... up to 5 minutes after each
 * failure in a row, instead of being claimed again on every poll. Forgotten after a success.
 *
 * <p>Thread-safe.
 */
public final class ClaimBackoff {
  static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

  private record Failures(int count, Instant notBefore) {}

  private final Clock clock;
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();

  public ClaimBackoff(Clock clock) {
    this.clock = clock;
  }

  /** Records a failed claim of {@code runId} and returns how long it is left alone. */
  public Duration failed(String runId) {
    Instant now = clock.instant();
    // entries of runs long gone from the queue
    failures.values().removeIf(f -> f.notBefore().plus(BACKOFF.cap()).isBefore(now));
    Failures f =
        failures.compute(
            runId,
            (id, old) -> {
              int count = old == null ? 1 : old.count() + 1;
              return new Failures(count, now.plus(BACKOFF.ceiling(count - 1)));
            });
    return Duration.between(now, f.notBefore());
  }

  /** Forgets the failures of {@code runId}: its claim went through. */
  public void succeeded(String runId) {
    failures.remove(runId);
  }

  /** Whether {@code runId} is still being left alone after a failed claim. */
  public boolean backingOff(String runId) {
    Failures f = failures.get(runId);
    return f != null && clock.instant().isBefore(f.notBefore());
  }
}
