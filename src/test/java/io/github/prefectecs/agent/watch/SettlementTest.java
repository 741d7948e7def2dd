package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettlementTest {
  private static final String ARN = "arn:aws:ecs:us-east-1:1:task/c/t";
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Verdict OOM =
      new Verdict.Failure("Task " + ARN + ": container 'flow' exited with code 137", true);

  private static FlowRunStatus run(String state) {
    return new FlowRunStatus("r", state, 5, "a", PrefectStates.failed("x").put("type", state));
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
    Outcome outcome =
        Settlement.decide(ARN, OOM, Settlement.StopRequest.NONE, null, run(state), 0, 3, NOW);
    assertThat(outcome).isInstanceOf(Outcome.Forget.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Scheduled", "Queued", "Retrying", "Resume", "Paused"})
  void aRunQueuedAgainIsLeftToTheQueue(String state) {
    Outcome outcome =
        Settlement.decide(ARN, OOM, Settlement.StopRequest.NONE, null, run(state), 0, 3, NOW);
    assertThat(outcome).isInstanceOf(Outcome.Forget.class);
  }

  static Stream<Arguments> writes() {
    Verdict spot = new Verdict.SpotInterrupted("Task " + ARN + " was interrupted by Fargate Spot");
    Verdict clean = new Verdict.CleanExit("Task " + ARN + " exited with code 0, but ...");
    return Stream.of(
        Arguments.of(OOM, Settlement.StopRequest.NONE, "Running", 0, "Failed", "ERROR", true),
        Arguments.of(clean, Settlement.StopRequest.NONE, "Submitted", 0, "Failed", "ERROR", false),
        Arguments.of(
            spot, Settlement.StopRequest.NONE, "Running", 0, "Scheduled", "WARNING", false),
        Arguments.of(
            spot, Settlement.StopRequest.NONE, "Running", 2, "Scheduled", "WARNING", false),
        Arguments.of(spot, Settlement.StopRequest.NONE, "Running", 3, "Failed", "ERROR", true),
        Arguments.of(
            null, Settlement.StopRequest.CANCEL, "Cancelling", 0, "Cancelled", "INFO", false),
        Arguments.of(OOM, Settlement.StopRequest.NONE, "Cancelling", 0, "Cancelled", "INFO", false),
        Arguments.of(null, Settlement.StopRequest.STUCK, "Submitted", 0, "Failed", "ERROR", true));
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
    Outcome outcome =
        Settlement.decide(
            ARN,
            verdict,
            request,
            "Task " + ARN + " did not start",
            run(state),
            relaunches,
            3,
            NOW);

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
}
