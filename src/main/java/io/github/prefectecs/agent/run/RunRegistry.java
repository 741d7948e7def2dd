package io.github.prefectecs.agent.run;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one registry of flow runs this agent has in flight: claimed, launching, or launched with a
 * task ARN. The poll loop drops queue ids found here, so a run is never claimed twice by this
 * process, and the (coming) task monitor reads the launched entries.
 *
 * <p>Thread-safe; every method is atomic per run id.
 */
public final class RunRegistry {

  /** Where a run is in this agent's hands. */
  public enum Phase {
    /** Picked from the queue; waiting for its start time or for the Submitted state. */
    CLAIMING,
    /** Submitted; the launcher is starting its task. */
    LAUNCHING,
    /** Its task was started. */
    LAUNCHED
  }

  /**
   * One run in flight.
   *
   * @param runId flow run id
   * @param phase where it is
   * @param taskArn the ECS task ARN once launched, else null
   * @param since when it entered this phase
   */
  public record Entry(String runId, Phase phase, String taskArn, Instant since) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;

  public RunRegistry(Clock clock) {
    this.clock = clock;
  }

  /** Reserves {@code runId} for claiming; false when it is already in flight. */
  public boolean tryReserve(String runId) {
    return entries.putIfAbsent(runId, new Entry(runId, Phase.CLAIMING, null, clock.instant()))
        == null;
  }

  /** Moves a reserved run to {@link Phase#LAUNCHING}. */
  public void markLaunching(String runId) {
    entries.computeIfPresent(
        runId, (id, e) -> new Entry(id, Phase.LAUNCHING, e.taskArn(), clock.instant()));
  }

  /** Records the task started for {@code runId} (also for tasks adopted at start-up). */
  public void markLaunched(String runId, String taskArn) {
    entries.put(runId, new Entry(runId, Phase.LAUNCHED, taskArn, clock.instant()));
  }

  /** Forgets {@code runId}: it was given up (another agent has it) or it failed. */
  public void release(String runId) {
    entries.remove(runId);
  }

  public boolean contains(String runId) {
    return entries.containsKey(runId);
  }

  public Optional<Entry> get(String runId) {
    return Optional.ofNullable(entries.get(runId));
  }

  /** A snapshot of the ids in flight. */
  public Set<String> ids() {
    return Set.copyOf(entries.keySet());
  }

  /** How many runs are in {@code phase}. */
  public int count(Phase phase) {
    return (int) entries.values().stream().filter(e -> e.phase() == phase).count();
  }

  /**
   * Forgets launched runs older than {@code maxAge}. Until the task monitor tracks every task to
   * STOPPED, this bounds the registry of a long-running daemon; a launched run is Submitted and no
   * longer in the queue, so forgetting it cannot cause a second launch.
   */
  public int evictLaunchedOlderThan(Duration maxAge) {
    Instant cutoff = clock.instant().minus(maxAge);
    int before = entries.size();
    entries.values().removeIf(e -> e.phase() == Phase.LAUNCHED && e.since().isBefore(cutoff));
    return before - entries.size();
  }
}
