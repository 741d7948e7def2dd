package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A launcher that starts at most {@code rate} tasks a second (as the RunTask quota lets ECS), each
 * answered 30 ms after its turn, and records each launch; when given the times claims were
 * answered, it also records how long after its claim answer each run's first launch was called.
 * Thread-safe.
 */
public final class PacedLauncher implements Launcher {
  private final long intervalNanos;
  private final Map<String, Long> claimAnswered;
  private final List<Long> delays = Collections.synchronizedList(new ArrayList<>());
  private final List<String> launches = new CopyOnWriteArrayList<>();
  private final AtomicInteger tasks = new AtomicInteger();
  private long nextStart = System.nanoTime();

  /**
   * @param claimAnswered run id to the {@link System#nanoTime()} its claim was answered, filled by
   *     the caller; may stay empty
   */
  public PacedLauncher(double rate, Map<String, Long> claimAnswered) {
    this.intervalNanos = (long) (1e9 / rate);
    this.claimAnswered = claimAnswered;
  }

  @Override
  public Map<String, String> start() {
    return Map.of();
  }

  @Override
  public LaunchResult launch(FlowRun run, int attempt) {
    long called = System.nanoTime();
    Long answered = claimAnswered.get(run.id());
    if (answered != null && attempt == 1) {
      delays.add(TimeUnit.NANOSECONDS.toMillis(called - answered));
    }
    launches.add(run.id());
    long startAt;
    synchronized (this) {
      startAt = Math.max(nextStart, called);
      nextStart = startAt + intervalNanos;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(Math.max(0, startAt - System.nanoTime()) + 30_000_000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LaunchResult.Retryable("interrupted", Duration.ZERO);
    }
    return new LaunchResult.Launched(
        "arn:aws:ecs:us-east-1:123456789012:task/paced/" + tasks.incrementAndGet(), List.of());
  }

  /** Milliseconds from each run's claim answer to its first launch call. */
  public List<Long> delays() {
    return List.copyOf(delays);
  }

  /** Every launch call, in order. */
  public List<String> launches() {
    return List.copyOf(launches);
  }

  @Override
  public void forget(String flowRunId) {}

  @Override
  public void close() {}
}
