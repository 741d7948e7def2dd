package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll: ask the queue for ready runs, drop those already in flight, fetch the details of at
 * most as many as there are free launch slots in one query, reserve them and hand them to the
 * {@link Submitter}.
 *
 * <p>Called from the single poll thread only. Throws {@code PrefectApiException} when a query
 * fails; the {@link PollLoop} catches it.
 */
public final class FlowRunPoller {
  private static final Logger LOG = LoggerFactory.getLogger(FlowRunPoller.class);

  /** How far ahead the queue is asked for runs (the reference's {@code prefetch_seconds}). */
  static final Duration PREFETCH = Duration.ofSeconds(10);

  /** Task runs must have entered their state this long ago (lets a run retry in-process). */
  static final Duration TASK_RUN_BUFFER = Duration.ofSeconds(3);

  /**
   * How long the ids of one queue answer that did not fit the free launch slots fill the next polls
   * before the queue is asked again. Saves a request a poll while a backlog drains; the {@code
   * flow_run} query still reads each run's current state, so a stale id costs nothing.
   */
  static final Duration QUEUE_REUSE = Duration.ofSeconds(5);

  private final PrefectApi api;
  private final String tenantId;
  private final List<String> labels;
  private final RunRegistry registry;
  private final LaunchSlots slots;
  private final Submitter submitter;
  private final Launcher launcher;
  private final Clock clock;
  private final RelaunchCheck relaunches;

  /**
   * While a backlog drains, a poll waits up to this long for {@link #batchSize} free slots, so each
   * poll claims a few runs at once (one query and one claim request for all of them) rather than
   * one or two. Launches do not slow down: the slots free up at the launch rate either way.
   */
  static final Duration BATCH_WAIT = Duration.ofMillis(250);

  private volatile StrandedClaims stranded;
  private List<String> backlog = List.of();
  private Instant backlogAnswered = Instant.MIN;

  public FlowRunPoller(
      PrefectApi api,
      String tenantId,
      List<String> labels,
      RunRegistry registry,
      LaunchSlots slots,
      Submitter submitter,
      Launcher launcher,
      Clock clock) {
    this.api = api;
    this.tenantId = tenantId;
    this.labels = List.copyOf(labels);
    this.registry = registry;
    this.slots = slots;
    this.submitter = submitter;
    this.launcher = launcher;
    this.clock = clock;
    this.relaunches = new RelaunchCheck(launcher, clock);
  }

  /** Takes over claims a dead process of this agent left (checked about once a minute). */
  public void takeOverStrandedClaims(StrandedClaims claims) {
    this.stranded = claims;
  }

  /**
   * Polls once and returns how many runs were handed to the submitter (0 means "no work", which
   * lengthens the next wait).
   */
  public int pollOnce() {
    int takenOver = takeOver();
    Instant now = clock.instant();
    int free = slots.available();
    int batch = batchSize();
    boolean draining = !backlog.isEmpty() && now.isBefore(backlogAnswered.plus(QUEUE_REUSE));
    if (draining && free < batch) {
      free = slots.awaitAvailable(batch, BATCH_WAIT);
      now = clock.instant();
    }
    List<String> ready = free == 0 ? List.of() : fromBacklog(now, Math.min(batch, free));
    int skipped = 0;
    if (ready.isEmpty()) {
      // Asked even when every slot is busy: this call is also the agent's liveness signal to the
      // server (it refreshes agent.last_queried).
      List<String> queued = api.runsInQueue(tenantId, labels, now.plus(PREFETCH));
      free = slots.available();
      if (free == 0) {
        backlog = List.of();
        LOG.debug(
            "All {} launch slots are busy; {} queued run(s) wait", slots.capacity(), queued.size());
        return takenOver;
      }
      ready = ready(queued);
      skipped = queued.size() - ready.size();
      backlogAnswered = now;
    }
    if (ready.isEmpty()) {
      backlog = List.of();
      LOG.debug(
          "No ready flow runs found{}",
          skipped > 0 ? " (" + skipped + " already being submitted)" : "");
      return takenOver;
    }
    List<String> wanted = ready.size() > free ? List.copyOf(ready.subList(0, free)) : ready;
    backlog = ready.size() > free ? List.copyOf(ready.subList(free, ready.size())) : List.of();
    LOG.debug("Found {} ready flow run(s), fetching {}: {}", ready.size(), wanted.size(), wanted);
    List<FlowRun> runs = api.flowRuns(wanted, now.minus(TASK_RUN_BUFFER));
    List<FlowRun> claimed = new ArrayList<>();
    for (FlowRun run : runs) {
      if (!wanted.contains(run.id())) {
        continue; // an answer about a run we did not ask for
      }
      RunRegistry.Entry known = registry.get(run.id()).orElse(null);
      // The server queued a run again whose task this agent started or adopted (rescheduled, or
      // its task runs are retrying): a new task exactly when the old one is gone.
      if (known != null && !known.phase().busy() && !relaunches.mayClaim(run, known.taskArn())) {
        continue;
      }
      RunRegistry.Reservation reservation = registry.tryReserve(run.id());
      if (!reservation.reserved()) {
        continue;
      }
      if (!slots.tryAcquire()) {
        registry.release(run.id());
        break;
      }
      claimed.add(run);
    }
    if (!claimed.isEmpty()) {
      submitter.submit(claimed);
    }
    return claimed.size() + takenOver;
  }

  private int takeOver() {
    StrandedClaims claims = stranded;
    if (claims == null) {
      return 0;
    }
    List<FlowRun> runs = claims.due(slots.available());
    List<FlowRun> reserved = new ArrayList<>();
    for (FlowRun run : runs) {
      if (!registry.tryReserve(run.id()).reserved()) {
        continue;
      }
      if (!slots.tryAcquire()) {
        registry.release(run.id());
        break;
      }
      reserved.add(run);
    }
    if (!reserved.isEmpty()) {
      submitter.submit(reserved);
    }
    return reserved.size();
  }

  /** Four fifths of the launch slots: the runs a poll waits for while a backlog drains. */
  private int batchSize() {
    return Math.max(1, slots.capacity() * 4 / 5);
  }

  /**
   * The ready ids left from a recent queue answer, or none when the queue must be asked: the answer
   * is old, or holds fewer than {@code enough} ready runs (a fresh answer fills the poll).
   */
  private List<String> fromBacklog(Instant now, int enough) {
    if (backlog.isEmpty() || !now.isBefore(backlogAnswered.plus(QUEUE_REUSE))) {
      return List.of();
    }
    List<String> ready = ready(backlog);
    return ready.size() >= Math.max(1, enough) ? ready : List.of();
  }

  /** {@code queued} without duplicates, runs in flight and runs whose claims back off. */
  private List<String> ready(List<String> queued) {
    Set<String> inFlight = registry.busyIds();
    Set<String> ready = new LinkedHashSet<>();
    for (String id : queued) {
      if (!inFlight.contains(id) && !submitter.backingOff(id)) {
        ready.add(id);
      }
    }
    return new ArrayList<>(ready);
  }
}
