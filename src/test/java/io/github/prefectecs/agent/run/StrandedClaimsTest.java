package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.run.Launcher.TaskLookup;
import io.github.prefectecs.agent.testsupport.ManualClock;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrandedClaimsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private final ManualClock clock = new ManualClock(NOW);
  private final RunRegistry registry = new RunRegistry(clock);
  private final Api api = new Api();
  private final Tasks launcher = new Tasks();
  private final StrandedClaims claims =
      new StrandedClaims(api, "agent-1", registry, launcher, clock);

  /** Answers the stranded-claims query with {@link #runs}; records its arguments. */
  private static final class Api extends UnusedPrefectApi {
    final List<FlowRun> runs = new ArrayList<>();
    final List<Instant> asked = new ArrayList<>();
    boolean down;

    @Override
    public List<FlowRun> strandedClaims(String agentId, Instant submittedBefore, int limit) {
      asked.add(submittedBefore);
      if (down) {
        throw new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "connection refused");
      }
      return List.copyOf(runs);
    }
  }

  /** Answers {@code findTask} as told, NONE by default. */
  private static final class Tasks implements Launcher {
    final Map<String, TaskLookup> found = new HashMap<>();
    final List<String> asked = new ArrayList<>();

    @Override
    public TaskLookup findTask(String flowRunId, String attemptId) {
      asked.add(flowRunId + "/" + attemptId);
      return found.getOrDefault(flowRunId, new TaskLookup(TaskLookup.Kind.NONE, null));
    }

    @Override
    public Map<String, String> start() {
      return Map.of();
    }

    @Override
    public LaunchResult launch(FlowRun run, int attempt) {
      throw new AssertionError("no launch here");
    }

    @Override
    public void forget(String flowRunId) {}

    @Override
    public void close() {}
  }

  private static FlowRun submitted(String id, JsonNode state) {
    return new FlowRun(
        id,
        2,
        "Submitted",
        state,
        null,
        NOW,
        null,
        "run-" + id,
        new Flow("f", "etl", null, null, 1, "0.15.13"),
        List.of());
  }

  private static FlowRun claimedByThisAgent(String id, String attempt) {
    return submitted(
        id,
        PrefectStates.submitted(
            PrefectStates.scheduled("Flow run scheduled.", NOW),
            "Submitted for execution",
            "dead-process",
            attempt));
  }

  @Test
  void aClaimWithoutATaskIsTakenOverAndOnlyClaimsOlderThanTheBoundAreAskedFor() {
    api.runs.add(claimedByThisAgent("r1", "0000000a"));

    assertThat(claims.due(10)).extracting(FlowRun::id).containsExactly("r1");
    assertThat(api.asked).containsExactly(NOW.minus(StrandedClaims.TAKEOVER_AFTER));
    assertThat(launcher.asked).containsExactly("r1/0000000a");
    assertThat(StrandedClaims.TAKEOVER_AFTER)
        .as("longer than a replica's own re-check plus a RunTask call, far under Lazarus")
        .isGreaterThan(Duration.ofMinutes(4))
        .isLessThan(Duration.ofMinutes(10));
  }

  @Test
  void aLiveTaskOfTheClaimIsAdoptedNotLaunchedAgain() {
    api.runs.add(claimedByThisAgent("r1", "0000000a"));
    launcher.found.put("r1", new TaskLookup(TaskLookup.Kind.ALIVE, "arn:t1"));

    assertThat(claims.due(10)).isEmpty();
    assertThat(registry.get("r1"))
        .hasValueSatisfying(
            e -> {
              assertThat(e.phase()).isEqualTo(RunRegistry.Phase.ADOPTED);
              assertThat(e.taskArn()).isEqualTo("arn:t1");
            });
  }

  @Test
  void aStoppedTaskOfTheClaimIsHandedToTheWatcherNotLaunchedAgain() {
    api.runs.add(claimedByThisAgent("r1", "0000000a"));
    launcher.found.put("r1", new TaskLookup(TaskLookup.Kind.STOPPED, "arn:t1"));

    assertThat(claims.due(10)).isEmpty();
    assertThat(registry.tasks()).extracting(RunRegistry.Entry::taskArn).containsExactly("arn:t1");
  }

  @Test
  void claimsThisProcessHoldsOrAnotherKindOfAgentWroteAreLeftAlone() {
    api.runs.add(claimedByThisAgent("held", "0000000a"));
    registry.tryReserve("held");
    api.runs.add(
        submitted(
            "python-agent",
            PrefectStates.submitted(PrefectStates.scheduled("x", NOW), "Submitted for execution")));

    assertThat(claims.due(10)).isEmpty();
    assertThat(launcher.asked).isEmpty();
  }

  @Test
  void whenEcsCannotBeAskedTheClaimWaitsForTheNextCheck() {
    api.runs.add(claimedByThisAgent("r1", "0000000a"));
    launcher.found.put("r1", new TaskLookup(TaskLookup.Kind.UNKNOWN, null));

    assertThat(claims.due(10)).isEmpty();
    assertThat(registry.contains("r1")).isFalse();
  }

  @Test
  void itChecksOnceAMinuteAndTakesNoMoreThanTheFreeSlots() {
    api.runs.add(claimedByThisAgent("r1", "0000000a"));
    api.runs.add(claimedByThisAgent("r2", "0000000b"));

    assertThat(claims.due(1)).extracting(FlowRun::id).containsExactly("r1");
    clock.advance(Duration.ofSeconds(30));
    assertThat(claims.due(10)).isEmpty();
    assertThat(api.asked).hasSize(1);
    clock.advance(Duration.ofSeconds(31));
    assertThat(claims.due(10)).hasSize(2);
    assertThat(claims.due(0)).isEmpty();
  }

  @Test
  void anApiFailureIsQuietAndTriedAtTheNextCheck() {
    api.down = true;
    assertThat(claims.due(10)).isEmpty();
    api.down = false;
    api.runs.add(claimedByThisAgent("r1", "0000000a"));
    clock.advance(Duration.ofMinutes(1));

    assertThat(claims.due(10)).hasSize(1);
  }
}
