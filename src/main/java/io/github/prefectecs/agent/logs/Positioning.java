package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns where each newly followed stream's forwarding stands before it is read: one batched read
 * of {@link RunLogPositions} for all of them (at most {@value #PER_SWEEP} a sweep). A stream with
 * lines in its run's logs resumes after them; one without is read from its task's creation. While
 * the Prefect API cannot answer, those streams wait (their lines could not be written anyway), with
 * one WARN a minute.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class Positioning {
  private static final Logger LOG = LoggerFactory.getLogger(Positioning.class);
  static final int PER_SWEEP = 2_000;
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

  private final RunLogPositions positions;
  private long retryAt = Long.MIN_VALUE;
  private int failures;
  private long lastWarning = Long.MIN_VALUE;
  private long queries;

  Positioning(RunLogPositions positions) {
    this.positions = positions;
  }

  /** Positions the streams of {@code waiting} not positioned yet, as far as the API answers. */
  void position(Collection<StreamState> waiting, long now) {
    if (waiting.isEmpty() || now < retryAt) {
      return;
    }
    List<StreamState> batch = new ArrayList<>();
    for (StreamState s : waiting) {
      if (batch.size() == PER_SWEEP) {
        break;
      }
      batch.add(s);
    }
    List<RunLogPositions.StreamKey> keys = new ArrayList<>(batch.size());
    batch.forEach(s -> keys.add(new RunLogPositions.StreamKey(s.flowRunId(), s.stream())));
    Map<RunLogPositions.StreamKey, RunLogPositions.Position> found;
    try {
      queries++;
      found = positions.find(keys);
    } catch (PrefectApiException e) {
      failed(batch.size(), e, now);
      return;
    }
    failures = 0;
    for (int i = 0; i < batch.size(); i++) {
      RunLogPositions.Position position = found.get(keys.get(i));
      if (position == null) {
        batch.get(i).positionAtStart();
      } else {
        batch.get(i).positionAt(position);
      }
    }
  }

  private void failed(int streams, PrefectApiException e, long now) {
    long delay = BACKOFF.ceiling(Math.min(failures, 20)).toMillis();
    failures++;
    retryAt = now + delay;
    if (lastWarning == Long.MIN_VALUE || now - lastWarning >= 60_000) {
      lastWarning = now;
      LOG.warn(
          "Cannot read from the Prefect API where forwarding stands for {} flow task stream(s)"
              + " ({}); they are read once it answers, from where their lines in Prefect end",
          streams,
          Messages.firstLine(e));
    }
  }

  /** Batched position reads made so far. */
  long queries() {
    return queries;
  }
}
