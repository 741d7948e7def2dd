package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A launcher that starts nothing: it records every launch and answers as told. Several agents may
 * share one instance, which then sees every launch of every agent. Thread-safe.
 */
public final class RecordingLauncher implements Launcher {
  private final List<String> launches = new CopyOnWriteArrayList<>();
  private final List<String> forgotten = new CopyOnWriteArrayList<>();
  private final Map<String, String> rejections = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> transientFailures = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> throttles = new ConcurrentHashMap<>();
  private final Map<String, String> alreadyRunning = new ConcurrentHashMap<>();
  private final AtomicInteger tasks = new AtomicInteger();
  private final AtomicInteger maxConcurrent = new AtomicInteger();
  private final AtomicInteger concurrent = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(0);

  /** Every launch blocks until {@code gate} opens. */
  public RecordingLauncher holdLaunchesUntil(CountDownLatch gate) {
    this.gate = gate;
    return this;
  }

  /** The most launches that were running at the same time. */
  public int maxConcurrentLaunches() {
    return maxConcurrent.get();
  }

  /** {@code launch} of {@code runId} answers Rejected with {@code reason}. */
  public RecordingLauncher reject(String runId, String reason) {
    rejections.put(runId, reason);
    return this;
  }

  /** The first {@code times} launches of {@code runId} answer Retryable, throttled. */
  public RecordingLauncher throttle(String runId, int times) {
    throttles.put(runId, new AtomicInteger(times));
    return this;
  }

  /** The first {@code times} launches of {@code runId} answer Retryable (not throttling). */
  public RecordingLauncher failTransiently(String runId, int times) {
    transientFailures.put(runId, new AtomicInteger(times));
    return this;
  }

  /**
   * {@code start()} reports a task already running for {@code runId}, and launching it reports that
   * task instead of starting one (until {@link #forget}).
   */
  public RecordingLauncher alreadyRunning(String runId, String taskArn) {
    alreadyRunning.put(runId, taskArn);
    return this;
  }

  @Override
  public Map<String, String> start() {
    return Map.copyOf(alreadyRunning);
  }

  @Override
  public LaunchResult launch(FlowRun run, int attempt) {
    String existing = alreadyRunning.get(run.id());
    if (existing != null) {
      // As the ECS launcher: a task known to run for this run is reported, not started again.
      return new LaunchResult.Launched(
          existing, List.of("Task already running for this flow run; not starting another"));
    }
    launches.add(run.id());
    maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LaunchResult.Retryable("interrupted", Duration.ZERO);
    } finally {
      concurrent.decrementAndGet();
    }
    String reason = rejections.get(run.id());
    if (reason != null) {
      return new LaunchResult.Rejected(reason);
    }
    AtomicInteger throttled = throttles.get(run.id());
    if (throttled != null && throttled.getAndDecrement() > 0) {
      return new LaunchResult.Retryable("Rate exceeded", Duration.ofMillis(20), true);
    }
    AtomicInteger failures = transientFailures.get(run.id());
    if (failures != null && failures.getAndDecrement() > 0) {
      return new LaunchResult.Retryable("capacity unavailable", Duration.ofMillis(50));
    }
    return new LaunchResult.Launched(
        "arn:aws:ecs:us-east-1:123456789012:task/test/" + tasks.incrementAndGet(), List.of());
  }

  /** Every launch call, in order (a run launched twice appears twice). */
  public List<String> launches() {
    return List.copyOf(launches);
  }

  public Set<String> launchedRuns() {
    return Set.copyOf(launches);
  }

  /**
   * A task reported by {@link #alreadyRunning} is alive until forgotten; launched ones are gone.
   */
  @Override
  public PreviousTask previousTask(String flowRunId) {
    return alreadyRunning.containsKey(flowRunId) ? PreviousTask.ALIVE : PreviousTask.GONE;
  }

  @Override
  public void forget(String flowRunId) {
    alreadyRunning.remove(flowRunId);
    forgotten.add(flowRunId);
  }

  /** Runs whose task the agent told the launcher to forget. */
  public List<String> forgotten() {
    return List.copyOf(forgotten);
  }

  @Override
  public void close() {}
}
