package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.run.TaskEvents;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TaskWatcherTest {
  private WatchHarness h = new WatchHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private List<String> logs(String runId, String level) {
    return h.prefect.logs(runId, level);
  }

  @Test
  void anOutOfMemoryKillFailsTheRunWithTheEcsFactsAndAnErrorLog() {
    String arn = h.launch("r1");
    h.tick();
    assertThat(h.starts)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.taskArn()).isEqualTo(arn);
              assertThat(s.taskDefinitionArn()).endsWith("task-definition/flow:1");
            });
    h.prefect.set("r1", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn,
            "r1",
            "EssentialContainerExited",
            "Essential container in task exited",
            137,
            "OutOfMemoryError: Container killed due to memory usage"));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1"))
        .contains(
            arn, "exited with code 137", "OutOfMemoryError: Container killed due to memory usage");
    assertThat(h.prefect.writes)
        .singleElement()
        .satisfies(w -> assertThat(w.version()).isEqualTo(3));
    assertThat(logs("r1", "ERROR")).singleElement().asString().contains(arn, "137");
    assertThat(h.stops)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.abnormal()).isTrue();
              assertThat(s.cause()).contains("137");
            });
    assertThat(h.notices)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.taskArn()).isEqualTo(arn);
              assertThat(n.flowRunName()).isEqualTo("name-r1");
              assertThat(n.flowName()).isEqualTo("etl");
              assertThat(n.cause()).contains("137");
            });
    assertThat(h.forgottenLaunches).containsExactly("r1");
    assertThat(counter("prefect_ecs_agent_runs_failed", Labels.of("cause", "task_stopped")))
        .isEqualTo(1);
  }

  private double counter(String name, Labels labels) {
    CounterSnapshot snapshot =
        (CounterSnapshot) h.metrics.registry().scrape(n -> n.startsWith(name)).get(0);
    return snapshot.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(labels))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  void aFinishedRunIsNeverOverwritten() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Success");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 0, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.prefect.state("r1")).isEqualTo("Success");
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isFalse());
  }

  @Test
  void aRunFailedByItsFlowKeepsItsOwnFailedState() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Failed");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 1, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.prefect.message("r1")).isEqualTo("set by test");
  }

  @Test
  void exitCodeZeroWithNothingDueLaterFailsTheRunAfterASecondLook() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn, "r1", "EssentialContainerExited", "Essential container in task exited", 0, null));

    h.tick();
    assertThat(h.prefect.writes)
        .as("first look: the flow may be writing its final state")
        .isEmpty();
    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1")).contains(arn, StopCauses.NO_FINAL_STATE);
  }

  @Test
  void aFailedStartIsReportedVerbatim() {
    String arn = h.launch("r1");
    String reason = "CannotPullContainerError: pull image manifest has been retried 5 time(s)";
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "TaskFailedToStart", reason, null, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.message("r1")).contains(arn, reason);
    assertThat(logs("r1", "ERROR")).singleElement().asString().contains(reason);
    assertThat(h.notices).hasSize(1);
  }

  @Test
  void aTaskEcsNoLongerKnowsFailsItsRun() {
    String arn = h.launch("r1");
    h.ecs.tasks.remove(arn);

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1")).contains(arn, "no longer known to ECS");
  }

  @Test
  void aStoppedTaskWhoseRunIsQueuedAgainIsForgottenNotReported() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Scheduled");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 1, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.prefect.state("r1")).isEqualTo("Scheduled");
  }

  @Test
  void aCancellingRunGetsStopTaskNamingTheCancellationThenCancelled() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Cancelling");
    h.ecs.stopsStayRunning = true;
    h.clock.advance(Duration.ofSeconds(5));
    h.tick();
    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.ecs.stopReasons).singleElement().asString().contains("r1", "cancelled");

    h.clock.advance(Duration.ofSeconds(5));
    h.tick();
    assertThat(h.ecs.stopped).as("StopTask is sent once").hasSize(1);
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "UserInitiated", "cancelled", 143, null));
    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Cancelled");
    assertThat(h.prefect.message("r1")).contains(arn);
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isFalse());
    assertThat(h.notices).isEmpty();
  }

  @Test
  void aTaskStuckInPendingIsStoppedAndItsRunFailedWithTheLastStatus() {
    String arn = h.launch("r1");
    h.ecs.put(FakeEcsTasks.task(arn, "r1", "PENDING"));
    h.clock.advance(Duration.ofMinutes(9));
    h.tick();
    assertThat(h.ecs.stopped).isEmpty();
    assertThat(h.prefect.heartbeats).as("a starting task keeps its run alive").contains("r1");

    h.clock.advance(Duration.ofMinutes(2));
    h.tick();
    assertThat(h.ecs.stopped).containsExactly(arn);
    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1"))
        .contains(arn, "did not start within 10 min", "last status PENDING");
    assertThat(h.notices).hasSize(1);
  }

  @Test
  void heartbeatsGoOutInOneRequestWhileTasksStartAndStopOnceTheyRun() {
    IntStream.range(0, 30).forEach(i -> h.launch("r" + i, "PENDING"));
    h.tick();
    assertThat(h.prefect.heartbeatRequests).hasValue(1);
    assertThat(h.prefect.heartbeats).hasSize(30);

    IntStream.range(0, 30).forEach(i -> h.prefect.set("r" + i, "Running"));
    h.clock.advance(Duration.ofMinutes(3));
    h.tick();
    assertThat(h.prefect.heartbeatRequests).hasValue(1);
  }

  @Test
  void aContainerThatRunsButNeverReportsRunningGetsNoHeartbeatSoLazarusSeesIt() {
    h.launch("r1", "PENDING");
    h.tick();
    assertThat(h.prefect.heartbeats).containsExactly("r1");

    h.ecs.put(
        FakeEcsTasks.task(
            h.launch("r1", "RUNNING"), "r1", "RUNNING", WatchHarness.attemptOf("r1")));
    for (int i = 0; i < 10; i++) {
      h.clock.advance(Duration.ofMinutes(1));
      h.tick();
    }

    assertThat(h.prefect.heartbeats)
        .as("the run stays Submitted while its container runs: no heartbeat after RUNNING")
        .containsExactly("r1");
  }

  @Test
  void aTaskOfAnotherRunIsNeverStopped() {
    String arn = h.launch("r1");
    h.ecs.put(FakeEcsTasks.task(arn, "someone-else", "RUNNING"));
    h.prefect.set("r1", "Cancelling");
    h.tick();
    assertThat(h.ecs.stopped).isEmpty();
  }

  @Test
  void describeTasksTakesAHundredArnsACallAndPrefectOneRequestATick() {
    IntStream.range(0, 250).forEach(i -> h.launch("r" + i));
    h.tick();
    assertThat(h.ecs.describeSizes).containsExactly(100, 100, 50);
    assertThat(h.prefect.statusRequests).hasValue(1);
  }

  @Test
  void longRunnersAreLookedAtLessOftenButSeveralTimesAMinute() {
    IntStream.range(0, 10).forEach(i -> h.launch("r" + i));
    h.prefect.runs.keySet().forEach(id -> h.prefect.set(id, "Running"));
    h.clock.advance(Duration.ofMinutes(3)); // past the young age
    h.tick();
    int afterFirst = h.ecs.describeSizes.size();
    for (int i = 0; i < 12; i++) { // one minute of 5-second ticks
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }
    int calls = h.ecs.describeSizes.size() - afterFirst;
    assertThat(calls).as("one call every 15 s, not every 5 s tick").isBetween(3, 5);
  }

  @Test
  void aSpotInterruptionReschedulesTheRunWithAMarkerForFargate() {
    String arn = h.launch("r1");
    h.prefect.set("r1", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn, "r1", "SpotInterruption", "Your Spot Task was interrupted.", 143, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Scheduled");
    assertThat(h.prefect.message("r1")).contains(arn, "FARGATE", SpotMarker.text(1, 3));
    assertThat(SpotMarker.onDemandRequired(h.prefect.runs.get("r1").serialized())).isTrue();
    assertThat(counter("prefect_ecs_agent_spot_relaunches", Labels.EMPTY)).isEqualTo(1);
    assertThat(PrefectStates.startTime(h.prefect.runs.get("r1").serialized())).isPresent();
    assertThat(logs("r1", "WARNING")).singleElement().asString().contains("relaunching on FARGATE");
    assertThat(h.notices).isEmpty();
  }

  @Test
  void aRunInterruptedAsOftenAsTheLimitAllowsFails() {
    String arn = h.launch("r1");
    // Submitted after its third relaunch: the marker is in the Scheduled state it wraps.
    h.prefect.set(
        "r1",
        PrefectStates.submitted(
            PrefectStates.scheduled("interrupted " + SpotMarker.text(3, 3), null),
            "Submitted for execution"));
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "SpotInterruption", null, 143, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1")).contains("relaunch limit (3) is reached");
    assertThat(h.notices).hasSize(1);
  }

  @Test
  void aStateWriteThatFailsIsRetriedUntilWritten() {
    String arn = h.launch("r1");
    h.prefect.failWrites.set(3);
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 2, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.writes).hasSize(1);
    assertThat(logs("r1", "ERROR")).hasSize(1);
  }

  @Test
  void aRunThatFinishesWhileItsFailedStateIsRetriedKeepsItsFinalState() {
    String arn = h.launch("r1");
    h.prefect.failWrites.set(1);
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 2, null));
    h.tick();
    h.prefect.set("r1", "Success");

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Success");
    assertThat(h.prefect.writes).isEmpty();
  }

  @Test
  void aDescribeRefusedForWantOfPermissionKeepsTheTaskUntilItCanBeLookedAt() {
    String arn = h.launch("r1");
    h.ecs.describeFailure =
        new EcsTasksException("AccessDeniedException: not authorized", false, null);
    for (int i = 0; i < 3; i++) {
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }
    assertThat(h.registry.contains("r1")).isTrue();
    assertThat(h.prefect.writes).isEmpty();

    h.ecs.describeFailure = null;
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 3, null));
    h.tickUntilSettled("r1");
    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
  }

  @Test
  void aStopSeenDuringAPrefectOutageIsReportedOnceTheApiIsBack() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.down = true;
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn, "r1", "TaskFailedToStart", "CannotPullContainerError: x", null, null));
    for (int i = 0; i < 10; i++) {
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }
    assertThat(h.registry.contains("r1")).as("kept until written").isTrue();

    h.prefect.down = false;
    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1")).contains("CannotPullContainerError: x");
    assertThat(h.prefect.writes).hasSize(1);
  }

  @Test
  void aThrottledDescribeIsTriedAgainNextTick() {
    String arn = h.launch("r1");
    h.ecs.describeFailure = new EcsTasksException("Rate exceeded", true, null);
    h.tick();
    h.ecs.describeFailure = null;
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 3, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.message("r1")).contains("exited with code 3");
  }

  @Test
  void tasksThatStoppedWhileTheAgentWasDownAreReported() {
    h.prefect.set("down", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask("arn:down", "down", "EssentialContainerExited", null, 1, null));
    h.prefect.set("requeued", "Scheduled");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            "arn:requeued", "requeued", "EssentialContainerExited", null, 1, null));
    h.prefect.set("other", "Running");
    h.ecs.put(
        new ObservedTask(
            "arn:other",
            new ObservedTask.Tags("other", "another-agent", null, null, null),
            null,
            "STOPPED",
            "STOPPED",
            "EssentialContainerExited",
            null,
            ObservedTask.Times.none(),
            ObservedTask.Capacity.unknown(),
            List.of(new ObservedTask.Container("flow", 1, null))));

    for (int i = 0; i < 3; i++) {
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }

    assertThat(h.prefect.state("down")).isEqualTo("Failed");
    assertThat(h.prefect.message("down")).contains("arn:down", "exited with code 1");
    assertThat(h.prefect.state("requeued")).isEqualTo("Scheduled");
    assertThat(h.prefect.state("other")).as("another agent's task").isEqualTo("Running");
    assertThat(h.ecs.listStoppedCalls).hasValue(1);
    assertThat(h.starts)
        .as("listeners hear of the start before the stop")
        .extracting(TaskEvents.TaskStart::taskArn)
        .contains("arn:down");
    assertThat(h.stops)
        .extracting(TaskEvents.TaskStop::taskArn)
        .contains("arn:down", "arn:requeued");
    assertThat(h.watcher.watching()).isZero();
  }

  @Test
  void anOldTaskOfARunBeingLaunchedAgainIsForgottenNotReported() {
    String arn = h.launch("r1");
    h.tick();
    h.registry.tryReserve("r1"); // the server queued it again; this agent is claiming it anew
    h.prefect.set("r1", "Submitted");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 1, null));

    for (int i = 0; i < 3; i++) {
      h.clock.advance(Duration.ofSeconds(5));
      h.tick();
    }

    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.watcher.watching()).isZero();
    assertThat(h.registry.contains("r1")).as("the new claim is kept").isTrue();
    assertThat(h.forgottenLaunches).isEmpty();
  }

  @Test
  void tasksInAnotherClusterThanTheAgentsAreDescribedAndStoppedThere() {
    IntStream.range(0, 3).forEach(i -> h.launch("r" + i)); // cluster "c"
    String other = "arn:aws:ecs:us-east-1:1:task/flows-2/x";
    h.prefect.set("x", "Submitted");
    h.ecs.put(FakeEcsTasks.task(other, "x", "RUNNING"));
    h.registry.markLaunched("x", other);
    h.tick();
    assertThat(h.ecs.describeClusters).containsExactlyInAnyOrder("c", "flows-2");

    h.prefect.set("x", "Cancelling");
    h.clock.advance(Duration.ofSeconds(5));
    h.tick();
    assertThat(h.ecs.stopClusters).containsExactly("flows-2");
  }
}
