package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.cost.CostLine;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watcher over fakes that behave as Prefect 0.15 and ECS do: a flow process that exits 0 and
 * leaves its run Running on purpose, a run the server reschedules while its task lives, a Spot
 * interruption of a real flow, a task DescribeTasks does not see yet. Each case settles only the
 * attempt a task belongs to, as Prefect means it.
 */
@Timeout(60)
class NeverOverrulesPrefectTest {
  private final WatchHarness h = new WatchHarness();

  @AfterEach
  void close() {
    h.close();
  }

  /** The run's logs at {@code level}, without the cost line every stopped task adds. */
  private List<String> logs(String runId, String level) {
    return h.prefect.logs(runId, level).stream()
        .filter(m -> !m.startsWith(CostLine.PREFIX))
        .toList();
  }

  private static ObjectNode taskRunState(String type, Instant start) {
    ObjectNode state = PrefectStates.scheduled(type + " task run", start);
    state.put("type", type);
    return state;
  }

  private void exitZero(String arn, String runId) {
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn,
            runId,
            WatchHarness.attemptOf(runId),
            "EssentialContainerExited",
            "Essential container in task exited",
            List.of(new ObservedTask.Container("flow", 0, null))));
  }

  @Test
  void aLongRetryLeavesTheRunRunningWithAnInfoLogAndFreesItForTheQueue() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Running");
    Instant due = WatchHarness.START.plus(Duration.ofMinutes(15));
    h.prefect.setTaskRun("r1", "t-done", PrefectStates.failed("ok").put("type", "Success"));
    h.prefect.setTaskRun("r1", "t-retry", taskRunState("Retrying", due));
    exitZero(arn, "r1");

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Running");
    assertThat(h.prefect.writes).isEmpty();
    assertThat(logs("r1", "INFO"))
        .singleElement()
        .asString()
        .contains(
            arn, "finished for now", "t-retry is Retrying until " + PrefectStates.format(due));
    assertThat(logs("r1", "ERROR")).isEmpty();
    assertThat(h.forgottenLaunches).as("a later launch starts a new task").containsExactly("r1");
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isFalse());
    assertThat(h.notices).isEmpty();
  }

  @Test
  void aPausedTaskLeavesTheRunRunningUntilItIsResumed() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.prefect.setTaskRun(
        "r1", "approve", taskRunState("Paused", WatchHarness.START.plus(Duration.ofDays(3650))));
    exitZero(arn, "r1");

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Running");
    assertThat(logs("r1", "INFO"))
        .singleElement()
        .asString()
        .contains("approve is Paused, waiting for approval");
  }

  @Test
  void aSpotInterruptionResetsUnfinishedTaskRunsToPendingBeforeTheRunIsScheduled() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.prefect.setTaskRun("r1", "done", PrefectStates.failed("ok").put("type", "Success"));
    h.prefect.setTaskRun("r1", "mid", PrefectStates.failed("Starting").put("type", "Running"));
    h.prefect.setTaskRun("r1", "next", PrefectStates.pending("not yet"));
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn,
            "r1",
            WatchHarness.attemptOf("r1"),
            "SpotInterruption",
            "Your Spot Task was interrupted.",
            List.of(new ObservedTask.Container("flow", 143, null))));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Scheduled");
    assertThat(h.prefect.taskRunState("mid")).isEqualTo("Pending");
    assertThat(h.prefect.taskRunMessage("mid")).contains("Fargate Spot", arn);
    assertThat(h.prefect.taskRunState("done"))
        .as("finished task runs are kept")
        .isEqualTo("Success");
    assertThat(h.prefect.taskRunWrites).as("a Pending task run is left alone").hasSize(1);
    assertThat(h.prefect.writeOrder)
        .containsExactly("task_run:mid:Pending", "flow_run:r1:Scheduled");
  }

  @Test
  void aRunRescheduledWhileItsTaskLivesGetsThatTaskStoppedAndItsStopSettlesNothing() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.tick();
    // Lazarus: the flow process is hung, its heartbeat stale; the run goes back to the queue.
    h.prefect.set(
        "r1", PrefectStates.scheduled("Rescheduled by a Lazarus process.", WatchHarness.START));
    h.ecs.stopsStayRunning = true;
    h.clock.advance(Duration.ofSeconds(5));
    h.tick();

    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.ecs.stopReasons)
        .singleElement()
        .asString()
        .contains("r1", "rescheduled", "Rescheduled by a Lazarus process.");

    // Another claim of the run (attempt B) while the old task is still stopping.
    RunAttempt b = new RunAttempt("0000b0b0", 5);
    h.prefect.set(
        "r1", PrefectStates.submitted(null, "Submitted for execution", "another", b.id()));
    h.clock.advance(Duration.ofSeconds(5));
    h.tick();
    assertThat(h.ecs.stopped).as("StopTask is sent once").hasSize(1);
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn,
            "r1",
            WatchHarness.attemptOf("r1"),
            "UserInitiated",
            "stopped",
            List.of(new ObservedTask.Container("flow", 1, null))));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Submitted");
    assertThat(PrefectStates.attemptOf(h.prefect.runs.get("r1").serialized())).isEqualTo(b.id());
    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.notices).isEmpty();
  }

  @Test
  void aTaskWhoseRunWasClaimedAndStartedAgainByAnotherAgentIsStoppedNotReported() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running"); // version 3: this attempt's flow process
    h.tick();
    // Between two looks the run was rescheduled, claimed (version 5) and set Running (6).
    h.prefect.set("r1", "Scheduled");
    h.prefect.set("r1", "Submitted");
    h.prefect.set("r1", "Running");
    h.clock.advance(Duration.ofSeconds(15));
    h.tick();

    assertThat(h.ecs.stopped).containsExactly(arn);
    h.tickUntilSettled("r1");
    assertThat(h.prefect.state("r1")).isEqualTo("Running");
    assertThat(h.prefect.writes).isEmpty();
  }

  @Test
  void aCancellationIsHonouredWhateverAttemptHoldsTheRun() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.tick();
    h.prefect.set("r1", "Cancelling");
    h.clock.advance(Duration.ofSeconds(5));
    h.tick();

    h.tickUntilSettled("r1");

    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.prefect.state("r1")).isEqualTo("Cancelled");
  }

  @Test
  void aTaskDescribeTasksDoesNotSeeYetIsNotDeclaredGone() {
    String arn = h.launch("r1", "PROVISIONING");
    h.ecs.invisibleFor(arn, 4);
    for (int i = 0; i < 4; i++) {
      h.tick();
      h.clock.advance(Duration.ofSeconds(5));
    }
    h.tick();

    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.registry.contains("r1")).isTrue();
    assertThat(h.starts).extracting(TaskEvents.TaskStart::taskArn).containsExactly(arn);
  }

  @Test
  void aTaskThatStaysMissingPastTheGraceIsGone() {
    String arn = h.launch("r1");
    h.ecs.tasks.remove(arn);
    h.tick();
    assertThat(h.prefect.writes).as("one MISSING answer is not death").isEmpty();

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1")).contains(arn, "no longer known to ECS");
  }

  @Test
  void aSidecarsExitNeitherFailsNorExplainsACleanFlowExit() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Success");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn,
            "r1",
            WatchHarness.attemptOf("r1"),
            "EssentialContainerExited",
            "Essential container in task exited",
            List.of(
                new ObservedTask.Container("log-router", 1, null),
                new ObservedTask.Container("flow", 0, null))));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Success");
    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isFalse());
  }

  @Test
  void aStopWhileTheAgentWasDownIsReportedOnlyAgainstItsOwnAttempt() {
    RunAttempt old = new RunAttempt("00000a0a", 3);
    h.prefect.set("moved-on", PrefectStates.submitted(null, "x", "c", "00000a0a"));
    h.prefect.set("moved-on", "Running"); // version 3: the old attempt
    h.prefect.set("moved-on", "Scheduled"); // Lazarus
    h.prefect.set("moved-on", PrefectStates.submitted(null, "x", "other-agent", "00000b0b"));
    h.prefect.set("moved-on", "Running"); // version 6: another agent's attempt runs
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            "arn:old",
            "moved-on",
            old,
            "EssentialContainerExited",
            null,
            List.of(new ObservedTask.Container("flow", 137, null))));
    h.prefect.set("own", PrefectStates.submitted(null, "x", "c", "00000c0c"));
    h.prefect.set("own", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            "arn:own",
            "own",
            new RunAttempt("00000c0c", 3),
            "EssentialContainerExited",
            null,
            List.of(new ObservedTask.Container("flow", 137, null))));

    for (int i = 0; i < 3; i++) {
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }

    assertThat(h.prefect.state("moved-on")).isEqualTo("Running");
    assertThat(h.prefect.state("own")).isEqualTo("Failed");
    assertThat(h.prefect.writes).hasSize(1);
  }
}
