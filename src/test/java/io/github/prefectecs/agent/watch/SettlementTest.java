package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettlementTest {
  private static final String ARN = "arn:aws:ecs:us-east-1:1:task/c/t";
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Verdict OOM =
      new Verdict.Failure("Task " + ARN + ": container 'flow' exited with code 137", true);
  private static final Verdict CLEAN =
      new Verdict.CleanExit("Task " + ARN + ": container 'flow' exited with code 0");
  private static final RunAttempt ATTEMPT = new RunAttempt("0000a001", 4);

  private static FlowRunStatus run(String state) {
    return run(state, 4, null);
  }

  private static FlowRunStatus run(String state, int version, String attempt) {
    ObjectNode serialized =
        attempt == null
            ? PrefectStates.failed("x").put("type", state)
            : PrefectStates.submitted(null, "Submitted for execution", "claim", attempt);
    return new FlowRunStatus("r", state, version, "a", serialized);
  }

  private static TaskRun taskRun(String id, String type, Instant start) {
    ObjectNode state = PrefectStates.scheduled(type + " task run", start);
    state.put("type", type);
    if (start == null) {
      state.remove("start_time");
    }
    return new TaskRun(id, 3, "task-" + id, state);
  }

  private static Outcome decide(Verdict verdict, FlowRunStatus status) {
    return decide(verdict, Settlement.StopRequest.NONE, status, 0);
  }

  private static Outcome decide(
      Verdict verdict, Settlement.StopRequest request, FlowRunStatus status, int spot) {
    return Settlement.decide(
        new Settlement.Stop(
            ARN,
            ATTEMPT,
            verdict,
            request,
            "Task " + ARN + " did not start",
            NOW.minusSeconds(600)),
        status,
        spot,
        3,
        NOW);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Success",
        "Failed",
        "Cancelled",
        "Cached",
        "Mapped",
        "Skipped",
        "Looped",
        "TimedOut",
        "TriggerFailed",
        "ValidationFailed",
        "Finished"
      })
  void aFinishedRunIsNeverOverwritten(String state) {
    assertThat(decide(OOM, run(state))).isInstanceOf(Outcome.Forget.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Scheduled", "Queued", "Retrying", "Resume", "Paused"})
  void aRunQueuedAgainIsLeftToTheQueue(String state) {
    assertThat(decide(OOM, run(state))).isInstanceOf(Outcome.Forget.class);
  }

  static Stream<Arguments> writes() {
    Verdict spot = new Verdict.SpotInterrupted("Task " + ARN + " was interrupted by Fargate Spot");
    return Stream.of(
        Arguments.of(OOM, Settlement.StopRequest.NONE, "Running", 0, "Failed", "ERROR", true),
        Arguments.of(CLEAN, Settlement.StopRequest.NONE, "Running", 0, "Failed", "ERROR", false),
        Arguments.of(
            spot, Settlement.StopRequest.NONE, "Running", 0, "Scheduled", "WARNING", false),
        Arguments.of(
            spot, Settlement.StopRequest.NONE, "Running", 2, "Scheduled", "WARNING", false),
        Arguments.of(spot, Settlement.StopRequest.NONE, "Running", 3, "Failed", "ERROR", true),
        Arguments.of(
            null, Settlement.StopRequest.CANCEL, "Cancelling", 0, "Cancelled", "INFO", false),
        Arguments.of(OOM, Settlement.StopRequest.NONE, "Cancelling", 0, "Cancelled", "INFO", false),
        Arguments.of(null, Settlement.StopRequest.STUCK, "Running", 0, "Failed", "ERROR", true));
  }

  @ParameterizedTest
  @MethodSource("writes")
  void eachStopBecomesItsStateWithALogOfTheSameFacts(
      Verdict verdict,
      Settlement.StopRequest request,
      String state,
      int relaunches,
      String type,
      String level,
      boolean notice) {
    Outcome outcome = decide(verdict, request, run(state), relaunches);

    assertThat(outcome).isInstanceOf(Outcome.Write.class);
    Outcome.Write write = (Outcome.Write) outcome;
    assertThat(write.type()).isEqualTo(type);
    assertThat(write.logLevel()).isEqualTo(level);
    assertThat(write.notice()).isEqualTo(notice);
    assertThat(write.state().path("message").asText()).isEqualTo(write.logMessage()).contains(ARN);
    if (type.equals("Scheduled")) {
      assertThat(SpotMarker.count(write.state())).isEqualTo(relaunches + 1);
      assertThat(PrefectStates.startTime(write.state())).contains(NOW);
    }
  }

  @Test
  void aFailedStartOfThisAttemptFailsTheRunItClaimed() {
    Outcome outcome =
        decide(new Verdict.Failure("Task failed to start", true), run("Submitted", 3, "0000a001"));

    assertThat(outcome).isInstanceOf(Outcome.Write.class);
    assertThat(((Outcome.Write) outcome).type()).isEqualTo("Failed");
  }

  static Stream<Arguments> laterAttempts() {
    return Stream.of(
        Arguments.of("Submitted claimed by a later attempt", run("Submitted", 7, "0000b002")),
        Arguments.of("Submitted by another agent (no attempt)", run("Submitted", 7, null)),
        Arguments.of("Running at a later version", run("Running", 9, null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("laterAttempts")
  void aStopNeverSettlesALaterAttempt(String what, FlowRunStatus status) {
    for (Verdict verdict : List.of(OOM, CLEAN, new Verdict.Failure("gone", true))) {
      assertThat(decide(verdict, status)).as(what).isInstanceOf(Outcome.Forget.class);
    }
  }

  @Test
  void aTaskOfAnEarlierAttemptStoppedForTheRescheduleIsForgotten() {
    Outcome outcome = decide(null, Settlement.StopRequest.SUPERSEDED, run("Running", 4, null), 0);

    assertThat(outcome).isInstanceOf(Outcome.Forget.class);
  }

  @Test
  void exitZeroWithARetryDueLaterLeavesTheRunRunningForTheQueue() {
    Instant due = NOW.plus(Duration.ofMinutes(15));
    FlowRunStatus status =
        run("Running")
            .withOpenTaskRuns(
                List.of(taskRun("t1", "Retrying", due), taskRun("t2", "Pending", null)));

    Outcome outcome = decide(CLEAN, status);

    assertThat(outcome).isInstanceOf(Outcome.Release.class);
    Outcome.Release release = (Outcome.Release) outcome;
    assertThat(release.logLevel()).isEqualTo("INFO");
    assertThat(release.logMessage())
        .contains(ARN, "exited with code 0", "t1", "Retrying until " + PrefectStates.format(due))
        .contains("queues the run again");
  }

  @Test
  void exitZeroWithAPausedTaskRunSaysItWaitsForApproval() {
    FlowRunStatus status =
        run("Running")
            .withOpenTaskRuns(List.of(taskRun("p1", "Paused", NOW.plus(Duration.ofDays(3650)))));

    Outcome outcome = decide(CLEAN, status);

    assertThat(outcome).isInstanceOf(Outcome.Release.class);
    assertThat(((Outcome.Release) outcome).logMessage())
        .contains("p1 is Paused, waiting for approval");
  }

  @Test
  void exitZeroWithAPausedTaskRunWithoutStartTimeAsCore0_15_13WritesItWaitsForApproval() {
    FlowRunStatus status = run("Running").withOpenTaskRuns(List.of(taskRun("p1", "Paused", null)));

    Outcome outcome = decide(CLEAN, status);

    assertThat(outcome).isInstanceOf(Outcome.Release.class);
    assertThat(((Outcome.Release) outcome).logMessage())
        .contains("p1 is Paused, waiting for approval");
  }

  @Test
  void exitZeroWithNothingDueLaterFailsTheRunWithTheOpenTaskRuns() {
    FlowRunStatus status =
        run("Running")
            .withOpenTaskRuns(
                List.of(taskRun("t1", "Running", null), taskRun("t2", "Pending", null)));

    Outcome outcome = decide(CLEAN, status);

    assertThat(outcome).isInstanceOf(Outcome.Write.class);
    Outcome.Write write = (Outcome.Write) outcome;
    assertThat(write.type()).isEqualTo("Failed");
    assertThat(write.logMessage())
        .contains(StopCauses.NO_FINAL_STATE, "1 Pending", "1 Running")
        .contains("no task run waits for a retry or an approval");
  }

  @Test
  void exitZeroWhileStillSubmittedFailsTheRun() {
    Outcome outcome =
        decide(
            CLEAN,
            run("Submitted", 3, "0000a001")
                .withOpenTaskRuns(
                    List.of(taskRun("t1", "Retrying", NOW.plus(Duration.ofMinutes(20))))));

    assertThat(outcome).isInstanceOf(Outcome.Write.class);
    assertThat(((Outcome.Write) outcome).type()).isEqualTo("Failed");
  }

  @Test
  void aSpotRelaunchResetsTheUnfinishedTaskRunsToPendingFirst() {
    Verdict spot = new Verdict.SpotInterrupted("Task " + ARN + " was interrupted by Fargate Spot");
    FlowRunStatus status =
        run("Running")
            .withOpenTaskRuns(
                List.of(
                    taskRun("running", "Running", null),
                    taskRun("pending", "Pending", null),
                    taskRun("retrying", "Retrying", NOW.plusSeconds(60))));

    Outcome.Write write = (Outcome.Write) decide(spot, status);

    assertThat(write.type()).isEqualTo("Scheduled");
    assertThat(write.taskRunStates())
        .extracting(StateUpdate::runId)
        .containsExactlyInAnyOrder("running", "retrying");
    assertThat(write.taskRunStates())
        .allSatisfy(
            u -> {
              assertThat(u.state().path("type").asText()).isEqualTo("Pending");
              assertThat(u.state().path("message").asText()).contains("Fargate Spot", ARN);
            });
  }

  @Test
  void aTaskWithoutAttemptTagsIsSettledAsBefore() {
    Outcome outcome =
        Settlement.decide(
            new Settlement.Stop(ARN, null, OOM, Settlement.StopRequest.NONE, null, null),
            run("Running", 12, null),
            0,
            3,
            NOW);

    assertThat(outcome).isInstanceOf(Outcome.Write.class);
  }

  @Test
  void aSpotRelaunchSoonAfterTheClaimIsScheduledForWhenTheServerTakesASecondClaim() {
    Verdict spot = new Verdict.SpotInterrupted("Task " + ARN + " was interrupted by Fargate Spot");
    Outcome.Write write =
        (Outcome.Write)
            Settlement.decide(
                new Settlement.Stop(
                    ARN, ATTEMPT, spot, Settlement.StopRequest.NONE, null, NOW.minusSeconds(10)),
                run("Running"),
                0,
                3,
                NOW);

    assertThat(PrefectStates.startTime(write.state())).contains(NOW.plusSeconds(21));
  }
}
