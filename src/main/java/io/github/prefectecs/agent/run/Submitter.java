package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.claim.ClaimBackoff;
import io.github.prefectecs.agent.claim.ClaimHolds;
import io.github.prefectecs.agent.claim.ClaimVerdict;
import io.github.prefectecs.agent.claim.StatusReads;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims runs: waits for their start time, sets {@code Submitted} on the flow run and its scheduled
 * task runs (batched), and hands each claimed run to the {@link LaunchRunner}. A run another agent
 * claimed first is skipped quietly; a claim whose answer was lost is checked with the server.
 *
 * <p>Every run given to {@link #submit} must already be reserved in the {@link RunRegistry} and
 * hold one {@link LaunchSlots} slot; the submitter gives both back when it is done with the run.
 * Thread-safe: the poll thread submits, the batcher's callbacks claim, the launch pool launches.
 */
public final class Submitter {
  private static final Logger LOG = LoggerFactory.getLogger(Submitter.class);

  /** Attempts to learn whether a claim whose answer was lost went through. */
  static final int MAX_CLAIM_CHECKS = 5;

  /**
   * The wait before the first check of a claim whose answer was lost or refused: a slow server may
   * commit a little after the client gave up, and the check must not read the state before.
   */
  static final Duration CLAIM_CHECK_DELAY = Duration.ofSeconds(2);

  private final String agentId;
  private final RunReporter reporter;
  private final LaunchRunner launches;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final ClaimBackoff claimBackoff;
  private final StatusReads statusReads;
  private final ClaimHolds claimHolds;
  private final TaskRunClaims taskRunClaims;

  /** Names this process's claims (see {@link PrefectStates#CLAIM_KEY}). */
  private final String claimToken = java.util.UUID.randomUUID().toString();

  private volatile boolean stopping;

  /**
   * @param api used only to check claims whose answer was lost
   * @param agentId this agent's registered id (recorded by the server with each Submitted state)
   */
  public Submitter(
      PrefectApi api,
      String agentId,
      RunReporter reporter,
      LaunchRunner launches,
      ScheduledExecutorService scheduler,
      ExecutorService launchPool,
      Clock clock) {
    this.agentId = agentId;
    this.reporter = reporter;
    this.launches = launches;
    this.scheduler = scheduler;
    this.clock = clock;
    this.claimBackoff = new ClaimBackoff(clock);
    this.statusReads = new StatusReads(api, scheduler, launchPool);
    this.claimHolds = new ClaimHolds(api);
    this.taskRunClaims = new TaskRunClaims(reporter, claimToken);
    launches.checkOldClaimsWith(this::stillHeld);
  }

  /**
   * Whether the claim of {@code run} that started {@code attempt} still holds (see {@link
   * ClaimHolds}).
   */
  Boolean stillHeld(FlowRun run, RunAttempt attempt, boolean flowRunClaimed) {
    return flowRunClaimed
        ? claimHolds.flowRun(run.id(), attempt.id(), attempt.runningVersion())
        : claimHolds.taskRuns(
            run.id(),
            TaskRunClaims.scheduled(run).stream().map(TaskRun::id).toList(),
            attempt.id());
  }

  /**
   * Whether a claim of {@code run} sets the flow run itself Submitted: a Scheduled-type run, or a
   * Submitted one taken over from a dead process of this agent; else its task runs are the claim (a
   * Running run queued again).
   */
  static boolean claimsFlowRun(FlowRun run) {
    return PrefectStates.isScheduledType(run.state()) || "Submitted".equals(run.state());
  }

  /** Whether {@code runId}'s last claims failed and it is left alone for now (not re-claimed). */
  public boolean backingOff(String runId) {
    return claimBackoff.backingOff(runId);
  }

  /** Claims {@code runs} now, or at their start time when it is still ahead. */
  public void submit(List<FlowRun> runs) {
    Instant now = clock.instant();
    List<FlowRun> due = new ArrayList<>();
    for (FlowRun run : runs) {
      Instant start = startTime(run, now);
      long waitMillis = Duration.between(now, start).toMillis();
      if (waitMillis <= 0) {
        due.add(run);
      } else {
        LOG.debug("Waiting {} ms to deploy flow run {} on time", waitMillis, run.id());
        // In the map before the timer is set, so the timer always finds it.
        Waiting w = new Waiting(run);
        waiting.put(run.id(), w);
        try {
          w.timer = scheduler.schedule(() -> claimScheduled(w), waitMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          waiting.remove(run.id(), w);
          giveUp(run, "the agent is stopping");
        }
      }
    }
    claim(due);
  }

  /** A run waiting for its start time. */
  private static final class Waiting {
    final FlowRun run;
    volatile ScheduledFuture<?> timer;

    Waiting(FlowRun run) {
      this.run = run;
    }
  }

  private void claimScheduled(Waiting w) {
    if (waiting.remove(w.run.id(), w)) {
      claim(List.of(w.run));
    }
  }

  private static Instant startTime(FlowRun run, Instant now) {
    if (run.serializedState() == null || !PrefectStates.isScheduledType(run.state())) {
      return now;
    }
    return PrefectStates.startTime(run.serializedState()).orElse(now);
  }

  /**
   * Sets Submitted on every due run at once (one batched request) and launches each run as soon as
   * its own claim is answered. The task runs of a claimed flow run are marked Submitted after that,
   * batched with the run logs, so they never delay a launch; when the flow run itself is not
   * Scheduled its task runs are the claim, and they are written first.
   */
  private void claim(List<FlowRun> runs) {
    boolean anyTaskRunClaim = false;
    for (FlowRun run : runs) {
      if (stopping) {
        giveUp(run, "the agent is stopping");
        continue;
      }
      if (claimsFlowRun(run)) {
        RunAttempt attempt = RunAttempt.ofFlowRunClaim(run.version());
        reporter
            .setFlowRunState(
                new StateUpdate(
                    run.id(),
                    run.version(),
                    PrefectStates.submitted(
                        run.serializedState(),
                        PrefectStates.FLOW_RUN_SUBMITTED,
                        claimToken,
                        attempt.id())))
            .whenComplete((ignored, error) -> afterClaim(run, attempt, true, error));
      } else {
        anyTaskRunClaim = true;
        RunAttempt attempt = RunAttempt.ofTaskRunClaim(run.version());
        taskRunClaims
            .submit(run, attempt)
            .whenComplete((ignored, error) -> afterClaim(run, attempt, false, error));
      }
    }
    reporter.dispatchFlowRunStates();
    if (anyTaskRunClaim) {
      reporter.dispatchTaskRunStates();
    }
  }

  private void afterClaim(
      FlowRun run, RunAttempt attempt, boolean flowRunClaimed, Throwable error) {
    if (error == null) {
      claimBackoff.succeeded(run.id());
      launches.start(run, flowRunClaimed, attempt);
      if (flowRunClaimed) {
        taskRunClaims.markSubmitted(run, attempt);
      }
      return;
    }
    Throwable cause = Errors.unwrap(error);
    PrefectApiException api = cause instanceof PrefectApiException e ? e : null;
    boolean refused =
        api != null
            && (api.kind() == PrefectApiException.Kind.ALREADY_SUBMITTED
                || api.kind() == PrefectApiException.Kind.VERSION_LOCK);
    if (flowRunClaimed && refused) {
      // Usually another agent has the run, but the refusal may also answer our own claim re-sent
      // after its first answer was lost (a 502 after the commit, Cloud's API_ERROR): ask.
      LOG.debug(
          "The claim of flow run {} was refused ({}); checking who holds it",
          run.id(),
          Errors.oneLine(cause));
      checkLater(run, attempt, 1, CLAIM_CHECK_DELAY.toMillis());
    } else if (flowRunClaimed && api != null && api.retryable()) {
      // The answer was lost (timeout, 5xx, cut connection): the Submitted state may have been
      // recorded, or may still be committing. Leaving the run alone would strand it in Submitted
      // without a task, so ask who holds it once a slow commit has had time to land.
      LOG.warn(
          "No answer to the claim of flow run {} ({}); checking whether it went through",
          run.id(),
          Errors.oneLine(cause));
      checkLater(run, attempt, 1, CLAIM_CHECK_DELAY.toMillis());
    } else if (!flowRunClaimed && api != null && (refused || api.retryable())) {
      // The task runs of a Running flow run were the claim. Once they are Submitted the server
      // stops queueing the run, so a write that went through unanswered would strand it: ask.
      LOG.warn(
          "No answer to setting the task runs of flow run {} Submitted ({}); checking whether it"
              + " went through",
          run.id(),
          Errors.oneLine(cause));
      checkLater(run, attempt, 1, CLAIM_CHECK_DELAY.toMillis());
    } else if (refused) {
      LOG.debug("Flow run {} was already submitted by another agent; skipping it", run.id());
      done(run.id());
    } else {
      Duration wait = claimBackoff.failed(run.id());
      LOG.warn(
          "Could not claim flow run {}; it stays queued and is claimed again in {} s: {}",
          run.id(),
          wait.toSeconds(),
          Errors.oneLine(cause));
      done(run.id());
    }
  }

  /**
   * Acts on check {@code check} of {@code run}'s claim: {@code verdict} from the state read, or the
   * read's {@code error}; {@code state} describes what was read, for the log.
   */
  private void checked(
      FlowRun run,
      RunAttempt attempt,
      int check,
      Throwable error,
      ClaimVerdict verdict,
      String state) {
    Throwable cause = error == null ? null : Errors.unwrap(error);
    boolean flowRunClaimed = claimsFlowRun(run);
    if (cause instanceof RejectedExecutionException) {
      done(run.id()); // stopping: whether the claim went through stays unknown
    } else if (cause != null) {
      if (check >= MAX_CLAIM_CHECKS || stopping) {
        LOG.error(
            "Cannot learn whether flow run {} was claimed ({}); if it shows Submitted without a"
                + " task, the server's Lazarus service reschedules it",
            run.id(),
            Errors.oneLine(cause));
        done(run.id());
        return;
      }
      checkLater(run, attempt, check + 1, checkDelay(check));
    } else if (verdict == ClaimVerdict.OURS) {
      LOG.info("The claim of flow run {} went through; launching it", run.id());
      launches.start(run, flowRunClaimed, attempt);
      if (flowRunClaimed) {
        taskRunClaims.markSubmitted(run, attempt);
      }
    } else if (verdict == ClaimVerdict.PENDING && check < MAX_CLAIM_CHECKS && !stopping) {
      // Unchanged: the claim may still be committing on a slow server. Ask again later.
      checkLater(run, attempt, check + 1, checkDelay(check));
    } else {
      LOG.info(
          "Flow run {} is not held by this agent ({}); leaving it to the server", run.id(), state);
      done(run.id());
    }
  }

  /**
   * The wait before check {@code check + 1}: 4, 8, 16, 16 s, so with the first 2 s the five checks
   * span 46 s, past the server's 30 s Submitted lock.
   */
  static long checkDelay(int check) {
    return CLAIM_CHECK_DELAY.toMillis() << Math.min(check, 3);
  }

  /**
   * Checks the claim of {@code run} in {@code delayMillis}: the flow run's state (with the other
   * checks then due), or for a Running run the task runs its claim set Submitted.
   */
  private void checkLater(FlowRun run, RunAttempt attempt, int check, long delayMillis) {
    try {
      if (claimsFlowRun(run)) {
        statusReads
            .read(run.id(), delayMillis)
            .whenComplete(
                (status, error) ->
                    checked(
                        run,
                        attempt,
                        check,
                        error,
                        ClaimVerdict.ofFlowRun(run, status, agentId, claimToken),
                        status == null ? "state unknown" : "state " + status.state()));
      } else {
        List<TaskRun> written = TaskRunClaims.scheduled(run);
        statusReads
            .readTaskRuns(written.stream().map(TaskRun::id).toList(), delayMillis)
            .whenComplete(
                (current, error) ->
                    checked(
                        run,
                        attempt,
                        check,
                        error,
                        current == null
                            ? null
                            : ClaimVerdict.ofTaskRuns(written, current, claimToken),
                        current == null
                            ? "task runs unknown"
                            : "task runs " + current.stream().map(TaskRun::stateType).toList()));
      }
    } catch (RejectedExecutionException e) {
      done(run.id()); // stopping: whether the claim went through stays unknown
    }
  }

  private void giveUp(FlowRun run, String why) {
    LOG.debug("Not claiming flow run {}: {}", run.id(), why);
    done(run.id());
  }

  private void done(String runId) {
    launches.release(runId);
  }

  /**
   * Stops claiming: runs still waiting for their start time are handed back (they were never
   * Submitted, so another agent or the next start picks them up); launches waiting for a retry are
   * started now so that no Submitted run is left without a task.
   */
  public void stop() {
    stopping = true;
    for (Waiting w : List.copyOf(waiting.values())) {
      if (waiting.remove(w.run.id(), w)) {
        ScheduledFuture<?> timer = w.timer;
        if (timer != null) {
          timer.cancel(false);
        }
        LOG.debug("Not claiming flow run {}: the agent is stopping", w.run.id());
        done(w.run.id());
      }
    }
    launches.stop();
  }
}
