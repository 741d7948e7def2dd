package io.github.prefectecs.agent.logs;

import static io.github.prefectecs.agent.logs.LogForwarderTest.GROUP;
import static io.github.prefectecs.agent.logs.LogForwarderTest.arn;
import static io.github.prefectecs.agent.logs.LogForwarderTest.stream;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The workloads of issue 19, in virtual time against the in-memory CloudWatch (both ways it may
 * answer a read naming a missing stream) and run logs that answer the forwarder's position queries:
 * quiet, busy, starting, stopped and adopted tasks side by side; a stream that appears a minute
 * after its task started; a refused log group beside a readable one; restarts after SIGTERM and
 * kill -9 with lines written while no agent ran. Every line must reach its run once, in order.
 */
class LogForwarderScenariosTest {
  private static final String OTHER_GROUP = "/team/flows";
  private static final StreamSource OTHER = new StreamSource(OTHER_GROUP, "team", "flow");
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final FakeLogsApi logs = new FakeLogsApi(1_000, clock::millis);
  private final Map<Integer, List<String>> printed = new HashMap<>();
  private RecordingWriter writer = new RecordingWriter();

  private ForwarderSettings settings() {
    return ForwarderSettings.defaults(LogForwarding.ALL)
        .withTiming(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(15));
  }

  private LogForwarder forwarder(ForwarderSettings settings) {
    logs.createGroup(GROUP);
    logs.createGroup(OTHER_GROUP);
    StreamLocator locator =
        definition -> Optional.of(definition.contains("team") ? OTHER : LogForwarderTest.SOURCE);
    return new LogForwarder(
        settings,
        logs,
        locator,
        new PrefectRunLogPositions(writer, settings.loggerName()),
        new TokenBucket("test", 1, 1e9, () -> 0L, n -> {}),
        writer,
        clock);
  }

  private TaskStart start(int task) {
    return start(task, "arn:aws:ecs:us-east-1:1:task-definition/f:1", clock.instant());
  }

  private TaskStart start(int task, String definition, Instant createdAt) {
    return new TaskStart("run-" + task, arn(task), definition, clock.instant(), createdAt);
  }

  private TaskStop stop(int task, boolean abnormal) {
    return new TaskStop(
        "run-" + task, arn(task), clock.instant(), abnormal, abnormal ? "exit code 1" : null);
  }

  private void print(int task, String line) {
    print(task, GROUP, stream(task), line);
  }

  private void print(int task, String group, String stream, String line) {
    logs.put(group, stream, clock.millis(), line);
    printed.computeIfAbsent(task, t -> new ArrayList<>()).add(line);
  }

  private void tick(LogForwarder f) {
    clock.advance(Duration.ofSeconds(5));
    LogForwarderTest.sweep(f);
  }

  private List<String> output(int task) {
    return writer.written().stream()
        .filter(e -> e.flowRunId().equals("run-" + task) && e.level().equals("INFO"))
        .map(LogEntry::message)
        .toList();
  }

  private void assertEachLineOnceInOrder(int... tasks) {
    for (int task : tasks) {
      assertThat(output(task))
          .as("lines of task %d", task)
          .containsExactlyElementsOf(printed.getOrDefault(task, List.of()));
    }
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void quietBusyStartingStoppedAndAdoptedTasksEachGetEveryLineOnce(Semantics semantics) {
    logs.semantics(semantics);
    LogForwarder f = forwarder(settings());
    // Task 4 was started ten minutes ago by an agent that is gone: it is adopted now.
    Instant created = clock.instant().minus(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(-10));
    print(4, "adopted 0");
    clock.advance(Duration.ofMinutes(10));
    print(4, "adopted 1");
    for (int t = 0; t < 4; t++) {
      f.taskStarted(start(t));
    }
    f.taskStarted(start(4, "arn:aws:ecs:us-east-1:1:task-definition/f:1", created));
    print(0, "quiet task: one line, then it computes");
    for (int second = 0; second < 180; second++) {
      if (second < 120) {
        print(1, "busy one " + second);
        print(2, "busy two " + second);
      }
      if (second >= 60 && second % 10 == 0) {
        print(3, "started late " + second); // PROVISIONING for its first minute
      }
      if (second == 100) {
        print(4, "adopted 2");
        f.taskStopped(stop(4, false));
      }
      clock.advance(Duration.ofSeconds(1));
      if (second % 5 == 4) {
        LogForwarderTest.sweep(f);
      }
    }
    for (int i = 0; i < 5; i++) {
      tick(f);
    }

    assertEachLineOnceInOrder(0, 1, 2, 3, 4);
    // Batched: never a read per stream per sweep (40 sweeps, 5 streams).
    assertThat(logs.filterCalls()).isLessThan(3 * 41);
    assertThat(logs.refusedCalls()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void aStreamCreatedAMinuteAfterItsTaskStartedBlocksNoOtherTask(Semantics semantics) {
    logs.semantics(semantics);
    LogForwarder f = forwarder(settings());
    f.taskStarted(start(0)); // its stream appears a minute from now
    f.taskStarted(start(1));
    f.taskStarted(start(2));
    for (int s = 0; s < 12; s++) {
      print(1, "flow one " + s);
      print(2, "flow two " + s);
      tick(f);
      if (s == 2) {
        f.taskStopped(stop(1, false));
      }
    }
    assertEachLineOnceInOrder(1, 2);
    print(0, "finally started");
    tick(f);
    tick(f);
    f.taskStopped(stop(2, true));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertEachLineOnceInOrder(0, 1, 2);
    assertThat(writer.written())
        .filteredOn(e -> e.level().equals("ERROR"))
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("its last 12 line(s)", "flow two 11"));
    assertThat(logs.refusedCalls()).isZero();
  }

  @Test
  void aTaskThatStopsBeforeItsStreamExistsIsToldSoHonestly() {
    LogForwarder f = forwarder(settings());
    f.taskStarted(start(0));
    tick(f);
    f.taskStopped(new TaskStop("run-0", arn(0), clock.instant(), true, "CannotPullContainerError"));
    for (int i = 0; i < 5; i++) {
      tick(f);
    }
    assertThat(writer.written())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.message())
                    .isEqualTo(
                        "The flow task stopped (CannotPullContainerError) before its container"
                            + " wrote anything: CloudWatch "
                            + GROUP
                            + " "
                            + stream(0)
                            + " was never created"));
    assertThat(f.followed()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void aRefusedGroupIsToldOnceWhileTheOtherGroupKeepsFlowing(Semantics semantics) {
    logs.semantics(semantics);
    logs.deny(OTHER_GROUP);
    LogForwarder f = forwarder(settings());
    String otherStream = OTHER.streamOf(arn(1));
    f.taskStarted(start(0));
    f.taskStarted(start(1, "arn:aws:ecs:us-east-1:1:task-definition/team:1", clock.instant()));
    for (int s = 0; s < 20; s++) {
      print(0, "readable " + s);
      print(1, OTHER_GROUP, otherStream, "refused " + s);
      tick(f);
    }
    assertEachLineOnceInOrder(0);
    assertThat(writer.written())
        .filteredOn(e -> e.flowRunId().equals("run-1"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.level()).isEqualTo("WARNING");
              assertThat(e.message())
                  .startsWith("Cannot read CloudWatch log group " + OTHER_GROUP + ": access denied")
                  .contains("logs:FilterLogEvents");
            });

    logs.allow(OTHER_GROUP);
    clock.advance(Duration.ofMinutes(5)); // past the group's backoff
    tick(f);
    tick(f);
    assertEachLineOnceInOrder(0, 1);
  }

  @Test
  void aTaskWhoseGroupRefusesReadsIsLetGoAfterTheBound() {
    logs.deny(OTHER_GROUP);
    LogForwarder f = forwarder(settings().withRefusedRelease(Duration.ofMinutes(2)));
    f.taskStarted(start(1, "arn:aws:ecs:us-east-1:1:task-definition/team:1", clock.instant()));
    f.taskStarted(start(2));
    tick(f);
    assertThat(f.followed()).isEqualTo(2);
    for (int i = 0; i < 30; i++) {
      tick(f);
    }
    assertThat(f.followed()).isEqualTo(1);
    assertThat(f.state(arn(2))).isNotNull();
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void afterSigtermAndARestartLinesWrittenBeforeDuringAndAfterReachTheirRunOnce(
      Semantics semantics) {
    logs.semantics(semantics);
    LogForwarder first = forwarder(settings());
    Instant created = clock.instant();
    for (int t = 0; t < 3; t++) {
      first.taskStarted(start(t));
    }
    for (int s = 0; s < 6; s++) {
      print(0, "before " + s);
      print(1, "before " + s);
      tick(first);
    }
    print(1, "last line before the stop, not read yet");
    assertThat(first.close(Duration.ofSeconds(5))).isTrue(); // SIGTERM

    // While no agent runs: tasks 0 and 2 print, task 1 prints and stops.
    for (int s = 0; s < 10; s++) {
      clock.advance(Duration.ofSeconds(3));
      print(0, "during " + s);
      print(2, "during " + s);
    }
    print(1, "during, then exit");
    writer = writer.restarted();
    LogForwarder second = forwarder(settings());
    // Adoption (0, 2) and the restart listing of stopped tasks (1) report them again.
    for (int t = 0; t < 3; t++) {
      second.taskStarted(start(t, "arn:aws:ecs:us-east-1:1:task-definition/f:1", created));
    }
    second.taskStopped(stop(1, true));
    for (int s = 0; s < 6; s++) {
      print(0, "after " + s);
      tick(second);
    }
    for (int i = 0; i < 5; i++) {
      tick(second);
    }
    assertEachLineOnceInOrder(0, 1, 2);
    assertThat(writer.written())
        .filteredOn(e -> e.level().equals("ERROR"))
        .singleElement()
        .satisfies(e -> assertThat(e.flowRunId()).isEqualTo("run-1"));
  }

  @ParameterizedTest
  @EnumSource(Semantics.class)
  void afterKillDashNineWithLinesInFlightNothingIsLostOrRepeated(Semantics semantics) {
    logs.semantics(semantics);
    LogForwarder first = forwarder(settings());
    Instant created = clock.instant();
    first.taskStarted(start(0));
    first.taskStarted(start(1));
    for (int s = 0; s < 4; s++) {
      print(0, "written " + s);
      print(1, "written " + s);
      tick(first);
    }
    writer.down(); // the API is slow: the next lines wait in the outbox and in flight
    for (int s = 0; s < 4; s++) {
      for (int i = 0; i < 3; i++) {
        print(0, "in flight " + s + "." + i);
        print(1, "in flight " + s + "." + i);
      }
      tick(first);
    }
    writer.killKeeping(5); // kill -9: five of the lines in flight made it, the rest died with it

    for (int s = 0; s < 5; s++) {
      clock.advance(Duration.ofSeconds(4));
      print(0, "while down " + s);
      print(1, "while down " + s);
    }
    writer = writer.restarted();
    LogForwarder second = forwarder(settings());
    second.taskStarted(start(0, "arn:aws:ecs:us-east-1:1:task-definition/f:1", created));
    second.taskStarted(start(1, "arn:aws:ecs:us-east-1:1:task-definition/f:1", created));
    for (int s = 0; s < 4; s++) {
      print(0, "after " + s);
      print(1, "after " + s);
      tick(second);
    }
    tick(second);
    assertEachLineOnceInOrder(0, 1);
  }

  @Test
  void theErrorLogOfAStopIsWrittenOnceThoughTheStopIsReportedAgainAfterARestart() {
    LogForwarder first = forwarder(settings());
    Instant created = clock.instant();
    first.taskStarted(start(0));
    print(0, "boom");
    tick(first);
    first.taskStopped(stop(0, true));
    for (int i = 0; i < 5; i++) {
      tick(first);
    }
    assertThat(first.followed()).isZero();
    first.close(Duration.ofSeconds(5));

    writer = writer.restarted();
    LogForwarder second = forwarder(settings());
    second.taskStarted(start(0, "arn:aws:ecs:us-east-1:1:task-definition/f:1", created));
    second.taskStopped(stop(0, true));
    for (int i = 0; i < 5; i++) {
      tick(second);
    }
    assertThat(second.followed()).isZero();
    assertThat(writer.written()).extracting(LogEntry::level).containsExactly("INFO", "ERROR");
  }
}
