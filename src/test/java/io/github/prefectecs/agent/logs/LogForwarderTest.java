package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.logs.FakeLogsApi.Semantics;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.support.TokenBucket;
import io.github.prefectecs.agent.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The forwarder's reading, filtering, ordering and letting go, against in-memory fakes. */
class LogForwarderTest {
  static final String GROUP = "/prefect/flow-runs";
  static final StreamSource SOURCE = new StreamSource(GROUP, "prefect", "flow");
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final FakeLogsApi logs = new FakeLogsApi(7, clock::millis);
  private RecordingWriter writer = new RecordingWriter();

  private LogForwarder forwarder(LogForwarding mode) {
    return forwarder(mode, settings(mode));
  }

  private ForwarderSettings settings(LogForwarding mode) {
    return ForwarderSettings.defaults(mode)
        .withTiming(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(15));
  }

  private LogForwarder forwarder(LogForwarding mode, ForwarderSettings settings) {
    logs.createGroup(GROUP);
    StreamLocator locator =
        arn -> arn.endsWith("no-logs:1") ? Optional.empty() : Optional.of(SOURCE);
    return new LogForwarder(
        settings,
        logs,
        locator,
        new PrefectRunLogPositions(writer, settings.loggerName()),
        new TokenBucket("test", 1, 1e9, () -> 0L, n -> {}),
        writer,
        clock);
  }

  static String arn(int task) {
    return "arn:aws:ecs:us-east-1:123456789012:task/cluster/task" + task;
  }

  static String stream(int task) {
    return SOURCE.streamOf(arn(task));
  }

  private TaskStart start(int task) {
    return new TaskStart(
        "run-" + task, arn(task), "arn:aws:ecs:us-east-1:1:task-definition/f:1", clock.instant());
  }

  private TaskStop stop(int task, boolean abnormal) {
    return new TaskStop(
        "run-" + task, arn(task), clock.instant(), abnormal, abnormal ? "exit code 1" : null);
  }

  private void print(int task, String line) {
    logs.put(GROUP, stream(task), clock.millis(), line);
  }

  private void tick(LogForwarder f) {
    clock.advance(Duration.ofSeconds(5));
    sweep(f);
  }

  static void sweep(LogForwarder f) {
    f.sweep(Long.MAX_VALUE, false);
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void everyLineReachesItsOwnRunOnceAndInOrderAcrossPagesAndRereads(Semantics semantics) {
    logs.semantics(semantics);
    LogForwarder f = forwarder(LogForwarding.ALL);
    IntStream.range(0, 3).forEach(t -> f.taskStarted(start(t)));
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 10; i++) {
        for (int t = 0; t < 3; t++) {
          print(t, "task " + t + " line " + (round * 10 + i));
        }
        clock.advance(Duration.ofMillis(1));
      }
      tick(f);
    }
    tick(f);

    for (int t = 0; t < 3; t++) {
      int task = t;
      assertThat(writer.messages("run-" + t))
          .containsExactlyElementsOf(
              IntStream.range(0, 40).mapToObj(i -> "task " + task + " line " + i).toList());
    }
    assertThat(writer.written()).allSatisfy(e -> assertThat(e.level()).isEqualTo("INFO"));
  }

  @Test
  void linesOfTheSameMillisecondGetIncreasingTimestamps() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(start(1));
    print(1, "a");
    print(1, "b");
    print(1, "c");
    tick(f);

    List<Instant> times = writer.written().stream().map(LogEntry::timestamp).toList();
    assertThat(times).isSorted().doesNotHaveDuplicates();
    assertThat(times.get(0).toEpochMilli()).isEqualTo(times.get(2).toEpochMilli());
  }

  @Test
  void eachForwardedLineCarriesItsStreamEventAndResumePoint() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(start(1));
    LogEvent event = logs.put(GROUP, stream(1), clock.millis(), "hello");
    tick(f);

    LogEntry line = writer.written().get(0);
    assertThat(line.info().get(ForwardedInfo.STREAM).asText()).isEqualTo(stream(1));
    assertThat(line.info().get(ForwardedInfo.EVENT).asText()).isEqualTo(event.eventId());
    assertThat(line.info().get(ForwardedInfo.RESUME_FROM).asLong())
        .isLessThanOrEqualTo(event.timestamp());
  }

  @Test
  void nonPrefectModeSkipsWhatTheFlowsPrefectLoggerAlreadySent() {
    LogForwarder f = forwarder(LogForwarding.NON_PREFECT);
    f.taskStarted(start(1));
    List<String> lines =
        List.of(
            "ModuleNotFoundError: No module named 'pandas'",
            "[2026-11-24 10:00:00,123] INFO - prefect.CloudFlowRunner | Beginning Flow run",
            "[2026-11-24 10:00:01,000] ERROR - prefect.CloudTaskRunner | Task 'x': failed",
            "Traceback (most recent call last):",
            "  File \"flow.py\", line 3, in run",
            "print from the user's code",
            "[2026-11-24 10:00:02,000] INFO - my.own.logger | not a Prefect logger");
    lines.forEach(line -> print(1, line));
    tick(f);

    assertThat(writer.messages("run-1"))
        .containsExactly(
            "ModuleNotFoundError: No module named 'pandas'",
            "print from the user's code",
            "[2026-11-24 10:00:02,000] INFO - my.own.logger | not a Prefect logger");
  }

  @Test
  void aLateEventWithinTheLookBackIsForwardedOnce() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(start(1));
    print(1, "first");
    tick(f);
    long early = clock.millis() - 3_000;
    logs.put(GROUP, stream(1), early, "late but within the look-back");
    tick(f);
    tick(f);

    assertThat(writer.messages("run-1")).containsExactly("first", "late but within the look-back");
  }

  @Test
  void aStoppedTaskIsReadUntilQuietThenItsLastLinesGoOutAsOneErrorLog() {
    LogForwarder f = forwarder(LogForwarding.NON_PREFECT);
    f.taskStarted(start(1));
    for (int i = 0; i < 30; i++) {
      print(1, "line " + i);
    }
    tick(f);
    f.taskStopped(stop(1, true));
    print(1, "Killed: out of memory"); // arrives after the stop was heard
    tick(f);
    assertThat(f.followed()).isEqualTo(1);
    tick(f);
    tick(f);
    tick(f);

    assertThat(f.followed()).isZero();
    List<LogEntry> run = writer.written();
    assertThat(run).hasSize(32);
    LogEntry error = run.get(31);
    assertThat(error.level()).isEqualTo("ERROR");
    assertThat(error.message())
        .startsWith("The flow task stopped (exit code 1); its last 20 line(s)")
        .contains("line 11\n")
        .doesNotContain("line 10\n")
        .endsWith("Killed: out of memory");
    assertThat(error.timestamp()).isAfter(run.get(30).timestamp());
    assertThat(error.info().get(ForwardedInfo.STOP).asBoolean()).isTrue();
  }

  @Test
  void aCleanStopWritesNoErrorLog() {
    LogForwarder f = forwarder(LogForwarding.NON_PREFECT);
    f.taskStarted(start(1));
    print(1, "done");
    tick(f);
    f.taskStopped(stop(1, false));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(f.followed()).isZero();
    assertThat(writer.messages("run-1")).containsExactly("done");
  }

  @Test
  void failuresModeReadsOnlyAfterAnAbnormalStopAndWritesOnlyTheErrorLog() {
    LogForwarder f = forwarder(LogForwarding.FAILURES);
    f.taskStarted(start(1));
    f.taskStarted(start(2));
    print(1, "boom");
    print(2, "fine");
    tick(f);
    assertThat(logs.filterCalls()).isZero();
    f.taskStopped(stop(1, true));
    f.taskStopped(stop(2, false));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(writer.written())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.flowRunId()).isEqualTo("run-1");
              assertThat(e.level()).isEqualTo("ERROR");
              assertThat(e.message()).endsWith(":\nboom");
            });
    assertThat(f.followed()).isZero();
  }

  @Test
  void offModeReadsAndWritesNothing() {
    LogForwarder f = forwarder(LogForwarding.OFF);
    f.taskStarted(start(1));
    print(1, "x");
    f.taskStopped(stop(1, true));
    tick(f);
    tick(f);
    assertThat(logs.filterCalls()).isZero();
    assertThat(writer.written()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = LogForwarding.class,
      names = {"NON_PREFECT", "ALL"})
  void throttledAndFailedReadsBackOffAndResumeWithoutLossOrDuplicates(LogForwarding mode) {
    LogForwarder f = forwarder(mode);
    f.taskStarted(start(1));
    List<String> expected = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < 10; i++) {
        String line = "line " + round + "." + i;
        print(1, line);
        expected.add(line);
      }
      if (round == 1) {
        logs.throttleNext(2);
      }
      if (round == 3) {
        logs.failNext(1);
      }
      tick(f);
    }
    int calls = logs.filterCalls();
    clock.advance(Duration.ofSeconds(10)); // past every backoff
    tick(f);
    tick(f);
    assertThat(logs.filterCalls()).isGreaterThan(calls);
    assertThat(writer.messages("run-1")).containsExactlyElementsOf(expected);
  }

  @Test
  void aThrottledReadWaitsForItsBackoffBeforeCallingAgain() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(start(1));
    logs.throttleNext(1);
    tick(f);
    int afterThrottle = logs.filterCalls();
    clock.advance(Duration.ofMillis(500));
    sweep(f);
    assertThat(logs.filterCalls()).isEqualTo(afterThrottle);
  }

  @Test
  void aDefinitionWithoutAwslogsIsNeverRead() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(
        new TaskStart(
            "run-9", arn(9), "arn:aws:ecs:us-east-1:1:task-definition/no-logs:1", clock.instant()));
    tick(f);
    f.taskStopped(stop(9, true));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(logs.filterCalls()).isZero();
    assertThat(f.followed()).isZero();
  }

  @Test
  void closeReadsOnceMoreAndWritesTheErrorLogOfAStoppedTask() {
    LogForwarder f = forwarder(LogForwarding.NON_PREFECT);
    f.taskStarted(start(1));
    print(1, "first words");
    tick(f);
    print(1, "last words");
    f.taskStopped(stop(1, true));

    assertThat(f.close(Duration.ofSeconds(5))).isTrue();
    assertThat(writer.messages("run-1")).hasSize(3).startsWith("first words", "last words");
    assertThat(writer.written().get(2).level()).isEqualTo("ERROR");
  }

  @Test
  void failuresModeReadsOnlyTheLastMinutesOfALongRun() {
    LogForwarder f = forwarder(LogForwarding.FAILURES);
    f.taskStarted(start(1));
    for (int i = 0; i < 50; i++) {
      print(1, "early " + i);
    }
    clock.advance(Duration.ofMinutes(30));
    print(1, "late 1");
    print(1, "late 2");
    f.taskStopped(stop(1, true));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(writer.written())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.message())
                    .contains("its last 2 line(s)")
                    .endsWith(":\nlate 1\nlate 2"));
  }

  @Test
  void aVeryLongLineIsQuotedShortInTheErrorLog() {
    LogForwarder f = forwarder(LogForwarding.FAILURES);
    f.taskStarted(start(1));
    print(1, "x".repeat(10_000));
    f.taskStopped(stop(1, true));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(writer.written().get(0).message()).hasSizeLessThan(2_500).endsWith("x...");
  }

  @Test
  void whileTheApiIsDownReadingWaitsAtHalfTheBufferAndNothingIsDropped() {
    LogForwarder f =
        forwarder(LogForwarding.ALL, settings(LogForwarding.ALL).withBufferBytes(40_000));
    f.taskStarted(start(1));
    writer.down();
    List<String> expected = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 40; i++) {
        String line = "line " + round + "." + i + " " + "y".repeat(100);
        print(1, line);
        expected.add(line);
      }
      tick(f);
      assertThat(f.outbox().bytes()).isLessThan(40_000);
    }
    assertThat(f.pauses()).isPositive();
    writer.up();
    for (int i = 0; i < 20; i++) {
      tick(f);
      writer.up();
    }
    assertThat(writer.messages("run-1")).containsExactlyElementsOf(expected);
    assertThat(f.outbox().rejected()).isZero();
  }

  @Test
  void busyStreamsStayWithinTheStateBudgetAndNothingIsTakenTwice() {
    LogForwarder f =
        forwarder(LogForwarding.ALL, settings(LogForwarding.ALL).withStateBytes(20_000));
    IntStream.range(0, 5).forEach(t -> f.taskStarted(start(t)));
    List<List<String>> expected = new ArrayList<>();
    IntStream.range(0, 5).forEach(t -> expected.add(new ArrayList<>()));
    for (int round = 0; round < 12; round++) {
      for (int i = 0; i < 100; i++) {
        for (int t = 0; t < 5; t++) {
          String line = "t" + t + " " + round + "." + i;
          print(t, line);
          expected.get(t).add(line);
        }
        clock.advance(Duration.ofMillis(10));
      }
      tick(f);
      assertThat(f.budget().lastTotal()).isLessThanOrEqualTo(20_000);
    }
    tick(f);
    assertThat(f.budget().narrowed()).isPositive();
    for (int t = 0; t < 5; t++) {
      assertThat(writer.messages("run-" + t)).containsExactlyElementsOf(expected.get(t));
    }
  }

  @Test
  void linesWhoseWriteWasLostAreReadBackNotSentTwiceAndThoseNotWrittenAreSentAgain()
      throws Exception {
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(start(1));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      print(1, "line " + i);
      expected.add("line " + i);
    }
    writer.loseAnswers(3); // written, but the answers were lost
    writer.failUnwritten(2); // failed before the server wrote them
    tick(f);
    io.github.prefectecs.agent.testsupport.Eventually.until(
        Duration.ofSeconds(20),
        () -> "every line once; so far " + writer.messages("run-1"),
        () -> writer.messages("run-1").size() >= 6 && f.outbox().waiting() == 0);

    assertThat(writer.messages("run-1")).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(f.outbox().verified()).isEqualTo(3);
  }
}
