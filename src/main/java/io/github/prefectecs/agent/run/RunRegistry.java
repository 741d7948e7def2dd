package io.github.prefectecs.agent.run;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one registry of flow runs this agent has in flight: claimed, launching, or launched with a
 * task ARN. The poll loop drops queue ids found here, so a run is never claimed twice by this
 * process, and the task watcher follows the launched and adopted entries to their end.
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
    /** Its task was started by this process. */
    LAUNCHED,
    /** Its task was found running at start-up (started before a restart). */
    ADOPTED;

    /** Whether a run in this phase is being claimed or launched right now. */
    public boolean busy() {
      return this == CLAIMING || this == LAUNCHING;
    }
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

  /** What {@link #tryReserve} found. */
  public enum Reservation {
    /** The run is being claimed or launched already; not reserved. */
    BUSY,
    /** Reserved; the run was unknown. */
    NEW,
    /** Reserved; this process had launched a task for it, and the server queued it again. */
    RELAUNCH,
    /** Reserved; a task for it was found running at start-up. */
    AFTER_ADOPTION;

    public boolean reserved() {
      return this != BUSY;
    }
  }

  /** Reserves {@code runId} for claiming unless it is being claimed or launched right now. */
  public Reservation tryReserve(String runId) {
    Reservation[] result = new Reservation[1];
    entries.compute(
        runId,
        (id, e) -> {
          if (e != null && e.phase().busy()) {
            result[0] = Reservation.BUSY;
            return e;
          }
          result[0] =
              e == null
                  ? Reservation.NEW
                  : e.phase() == Phase.ADOPTED ? Reservation.AFTER_ADOPTION : Reservation.RELAUNCH;
          return new Entry(id, Phase.CLAIMING, null, clock.instant());
        });
    return result[0];
  }

  /** Moves a reserved run to {@link Phase#LAUNCHING}. */
  public void markLaunching(String runId) {
    entries.computeIfPresent(
        runId, (id, e) -> new Entry(id, Phase.LAUNCHING, e.taskArn(), clock.instant()));
  }

  /** Records the task started for {@code runId}. */
  public void markLaunched(String runId, String taskArn) {
    entries.put(runId, new Entry(runId, Phase.LAUNCHED, taskArn, clock.instant()));
  }

  /** Records a task found running at start-up for {@code runId}. */
  public void markAdopted(String runId, String taskArn) {
    entries.put(runId, new Entry(runId, Phase.ADOPTED, taskArn, clock.instant()));
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

  /** A snapshot of the runs whose task was launched or adopted (they have a task ARN). */
  public List<Entry> tasks() {
    return entries.values().stream()
        .filter(e -> e.phase() == Phase.LAUNCHED || e.phase() == Phase.ADOPTED)
        .filter(e -> e.taskArn() != null)
        .toList();
  }

  /**
   * Forgets {@code runId} if it is still launched or adopted with {@code taskArn}; a run claimed or
   * launched again since (another task) is left alone. Returns whether it was forgotten.
   */
  public boolean releaseTask(String runId, String taskArn) {
    boolean[] removed = new boolean[1];
    entries.computeIfPresent(
        runId,
        (id, e) -> {
          boolean same =
              (e.phase() == Phase.LAUNCHED || e.phase() == Phase.ADOPTED)
                  && taskArn.equals(e.taskArn());
          removed[0] = same;
          return same ? null : e;
        });
    return removed[0];
  }

  /** A snapshot of the ids being claimed or launched right now. */
  public Set<String> busyIds() {
    Set<String> ids = new HashSet<>();
    entries.values().stream().filter(e -> e.phase().busy()).forEach(e -> ids.add(e.runId()));
    return Set.copyOf(ids);
  }

  /** A snapshot of every id known. */
  public Set<String> ids() {
    return Set.copyOf(entries.keySet());
  }

  /** How many runs are in {@code phase}. */
  public int count(Phase phase) {
    return (int) entries.values().stream().filter(e -> e.phase() == phase).count();
  }

  /**
   * How long {@code runId} has been in its current phase; for a run in {@link Phase#LAUNCHING}, the
   * time since its claim went through (retries keep the phase).
   */
  public Optional<Duration> timeInPhase(String runId) {
    Entry e = entries.get(runId);
    return e == null ? Optional.empty() : Optional.of(Duration.between(e.since(), clock.instant()));
  }

  /** How many runs this agent holds, in any phase. */
  public int size() {
    return entries.size();
  }
}
