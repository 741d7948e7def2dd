package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.run.Launcher.TaskLookup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds claims a dead process of this agent left (an agent killed between its claim and its
 * RunTask: OOM-killed, replaced, kill -9) and hands them back: once a minute, one query for runs
 * Submitted by this agent's id, by this Java agent (its claim key), longer ago than {@link
 * #TAKEOVER_AFTER}, that this process does not hold. For each, the infrastructure is asked for a
 * task of the claim's attempt: a live one is adopted, a stopped one is handed to the watcher, and
 * only a claim with no task at all is claimed again and launched.
 *
 * <p>Replicas of one ECS service share the agent's name and id, so a claim may belong to a live
 * replica still launching it: the bound is longer than the time after which a process re-checks its
 * own claim before RunTask ({@code LaunchRunner.RECHECK_AFTER}, 2 minutes) plus the longest RunTask
 * call, and the takeover is a new Submitted state that the replica's re-check sees.
 *
 * <p>Called from the poll thread only.
 */
public final class StrandedClaims {
  private static final Logger LOG = LoggerFactory.getLogger(StrandedClaims.class);

  /** How old a claim without a task must be before it is taken over (Lazarus waits 10-20 min). */
  public static final Duration TAKEOVER_AFTER = Duration.ofMinutes(5);

  static final Duration CHECK_EVERY = Duration.ofMinutes(1);
  static final int LIMIT = 25;

  private final PrefectApi api;
  private final String agentId;
  private final RunRegistry registry;
  private final Launcher launcher;
  private final Clock clock;
  private final Duration takeoverAfter;
  private Instant nextCheck = Instant.MIN;

  public StrandedClaims(
      PrefectApi api, String agentId, RunRegistry registry, Launcher launcher, Clock clock) {
    this(api, agentId, registry, launcher, clock, TAKEOVER_AFTER);
  }

  StrandedClaims(
      PrefectApi api,
      String agentId,
      RunRegistry registry,
      Launcher launcher,
      Clock clock,
      Duration takeoverAfter) {
    this.api = api;
    this.agentId = agentId;
    this.registry = registry;
    this.launcher = launcher;
    this.clock = clock;
    this.takeoverAfter = takeoverAfter;
  }

  /**
   * The stranded claims to claim again now, at most {@code free} of them; empty between checks.
   * Adopts the tasks it finds on the way. Never throws for an API or infrastructure failure.
   */
  public List<FlowRun> due(int free) {
    Instant now = clock.instant();
    if (agentId == null || free <= 0 || now.isBefore(nextCheck)) {
      return List.of();
    }
    nextCheck = now.plus(CHECK_EVERY);
    List<FlowRun> runs;
    try {
      runs = api.strandedClaims(agentId, now.minus(takeoverAfter), LIMIT);
    } catch (PrefectApiException | UnsupportedOperationException e) {
      LOG.debug("Cannot look for claims a stopped process of this agent left: {}", e.getMessage());
      return List.of();
    }
    List<FlowRun> takeovers = new ArrayList<>();
    for (FlowRun run : runs) {
      if (takeovers.size() >= free) {
        break;
      }
      JsonClaim claim = JsonClaim.of(run);
      if (registry.contains(run.id()) || claim.token() == null) {
        continue; // held by this process, or claimed by another kind of agent with our id
      }
      TaskLookup found = launcher.findTask(run.id(), claim.attempt());
      switch (found.kind()) {
        case ALIVE -> {
          LOG.info(
              "Flow run {} was claimed by a stopped process of this agent and its task {} runs;"
                  + " adopting it",
              run.id(),
              found.taskArn());
          registry.markAdopted(run.id(), found.taskArn());
        }
        case STOPPED -> {
          LOG.info(
              "Flow run {} was claimed by a stopped process of this agent and its task {} has"
                  + " stopped; reporting it",
              run.id(),
              found.taskArn());
          registry.markAdopted(run.id(), found.taskArn());
        }
        case NONE -> {
          LOG.warn(
              "Flow run {} has been Submitted by this agent since {} without a task (the process"
                  + " that claimed it stopped before starting one); claiming it again",
              run.id(),
              PrefectStates.startTime(run.serializedState())
                  .map(Object::toString)
                  .orElse("earlier"));
          takeovers.add(run);
        }
        case UNKNOWN -> {
          // asked again at the next check
        }
      }
    }
    return takeovers;
  }

  /** The claim recorded in a Submitted state: the claiming process's token and its attempt. */
  private record JsonClaim(String token, String attempt) {
    static JsonClaim of(FlowRun run) {
      return new JsonClaim(
          PrefectStates.claimOf(run.serializedState()),
          PrefectStates.attemptOf(run.serializedState()));
    }
  }
}
