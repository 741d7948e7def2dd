package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.support.TokenBucket;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The forwarder's own thread: it survives an Error, reports its sweeps, and stops in time. */
@Timeout(30)
class LogForwarderThreadTest {
  private static final StreamSource SOURCE = LogForwarderTest.SOURCE;

  private static ForwarderSettings settings() {
    return ForwarderSettings.defaults(LogForwarding.ALL)
        .withTiming(Duration.ofMillis(20), Duration.ofSeconds(30), Duration.ofSeconds(1));
  }

  private static TaskStart start(int task) {
    return new TaskStart(
        "run-" + task, LogForwarderTest.arn(task), "arn:td/f:1", Instant.now(), null);
  }

  @Test
  void anErrorInASweepDoesNotStopTheForwarderAndSweepsAreReported() {
    AtomicInteger locates = new AtomicInteger();
    StreamLocator failingOnce =
        arn -> {
          if (locates.incrementAndGet() == 1) {
            throw new StackOverflowError("a bug");
          }
          return Optional.of(SOURCE);
        };
    FakeLogsApi logs = new FakeLogsApi(100, System::currentTimeMillis);
    logs.createGroup(LogForwarderTest.GROUP);
    RecordingWriter writer = new RecordingWriter();
    LogForwarder f =
        new LogForwarder(
            settings(),
            logs,
            failingOnce,
            TokenBucket.system("test", 100, 100),
            writer,
            Clock.systemUTC());
    Instant before = f.lastCompletedSweep();
    f.taskStarted(start(1));
    f.start();
    logs.put(LogForwarderTest.GROUP, LogForwarderTest.stream(1), System.currentTimeMillis(), "hi");
    try {
      Eventually.until(
          Duration.ofSeconds(20), "the line after the Error", () -> !writer.written().isEmpty());
      assertThat(locates.get()).isGreaterThan(1);
      // The line is handed to the writer during the sweep; the sweep is marked done at its end.
      Eventually.until(
          Duration.ofSeconds(20),
          "a sweep reported as completed",
          () -> f.lastCompletedSweep().isAfter(before));
    } finally {
      f.close(Duration.ofSeconds(2));
    }
  }

  @Test
  void closeEndsWithinItsBudgetWhileAReadHangs() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    LogsApi hanging =
        new LogsApi() {
          @Override
          public FilterPage filter(FilterQuery query, String nextToken) {
            reading.countDown();
            try {
              Thread.sleep(60_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new LogsException(LogsException.Kind.TRANSIENT, "interrupted", e);
            }
            return new FilterPage(java.util.List.of(), null);
          }

          @Override
          public boolean createGroup(String group) {
            return false;
          }

          @Override
          public void close() {}
        };
    LogForwarder f =
        new LogForwarder(
            settings(),
            hanging,
            arn -> Optional.of(SOURCE),
            TokenBucket.system("test", 100, 100),
            new RecordingWriter(),
            Clock.systemUTC());
    f.taskStarted(start(1));
    f.start();
    reading.await();

    long started = System.nanoTime();
    f.close(Duration.ofSeconds(2));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
  }
}
