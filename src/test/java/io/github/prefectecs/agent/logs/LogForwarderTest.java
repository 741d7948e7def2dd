package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.support.TokenBucket;
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
  private static final String GROUP = "/prefect/flow-runs";
  private static final StreamSource SOURCE = new StreamSource(GROUP, "prefect", "flow");
  private final TestClock clock = new TestClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final FakeLogsApi logs = new FakeLogsApi(7, clock::millis);
  private final RecordingWriter writer = new RecordingWriter();

  private LogForwarder forwarder(LogForwarding mode) {
    return forwarder(mode, 10_000);
  }

  private LogForwarder forwarder(LogForwarding mode, int capacity) {
    logs.createGroup(GROUP);
    ForwarderSettings settings =
        ForwarderSettings.defaults(mode)
            .withTiming(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(15))
            .withBufferCapacity(capacity);
    StreamLocator locator =
        arn -> arn.endsWith("no-logs:1") ? Optional.empty() : Optional.of(SOURCE);
    return new LogForwarder(
        settings, logs, locator, new TokenBucket("test", 1, 1e9, () -> 0L, n -> {}), writer, clock);
  }

  private static String arn(int task) {
    return "arn:aws:ecs:us-east-1:123456789012:task/cluster/task" + task;
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
    logs.put(GROUP, SOURCE.streamOf(arn(task)), clock.millis(), line);
  }

  private void tick(LogForwarder f) {
    clock.advance(Duration.ofSeconds(5));
    f.sweep(false);
  }

  @Test
  void everyLineReachesItsOwnRunOnceAndInOrderAcrossPagesAndRereads() {
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
    logs.put(GROUP, SOURCE.streamOf(arn(1)), early, "late but within the look-back");
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
    f.sweep(false);
    assertThat(logs.filterCalls()).isEqualTo(afterThrottle);
  }

  @Test
  void oneCallReadsAtMostAHundredStreams() {
    LogForwarder f = forwarder(LogForwarding.ALL);
    IntStream.range(0, 250).forEach(t -> f.taskStarted(start(t)));
    IntStream.range(0, 250).forEach(t -> print(t, "hello " + t));
    tick(f);

    assertThat(logs.maxStreamsSeen()).isEqualTo(100);
    assertThat(writer.written()).hasSize(250);
    // 3 chunks; 250 events at 7 a page: 36 pages in all
    assertThat(logs.filterCalls()).isEqualTo(15 + 15 + 8);
  }

  @Test
  void whileTheApiIsDownTheOldestLinesBeyondTheBufferAreDroppedAndCounted() {
    LogForwarder f = forwarder(LogForwarding.ALL, 50);
    f.taskStarted(start(1));
    writer.down();
    print(1, "first wave");
    tick(f);
    for (int i = 0; i < 80; i++) {
      print(1, "line " + i);
    }
    tick(f);
    assertThat(f.outbox().dropped()).isEqualTo(30);
    writer.up();

    List<String> got = writer.messages("run-1");
    assertThat(got).hasSize(51);
    assertThat(got.get(0)).isEqualTo("first wave");
    assertThat(got.get(1)).isEqualTo("line 30");
    assertThat(got.get(50)).isEqualTo("line 79");
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
    tick(f);
    print(1, "last words");
    f.taskStopped(stop(1, true));

    assertThat(f.close(Duration.ofSeconds(5))).isTrue();
    assertThat(writer.messages("run-1")).hasSize(2).first().isEqualTo("last words");
    assertThat(writer.written().get(1).level()).isEqualTo("ERROR");
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
}
