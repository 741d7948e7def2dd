package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.LocalStackLogs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;

/**
 * The log forwarder and the CloudWatch Logs calls it makes, against LocalStack started by
 * Testcontainers: a flow task's log stream is created, written and read back per stream, in order,
 * across pages; the forwarder brings each task's lines to its own run once, in order, and the last
 * lines of a crashed task as one ERROR log. Skipped with one line where no Docker engine is
 * reachable; scripts/image-test runs it with an engine (and a LocalStack stand-in offline).
 */
@Timeout(300)
class LocalStackLogsIT {
  private static final String GROUP = "/ecs/prefect-flows";
  private static LocalStackLogs localStack;
  private static CloudWatchLogsClient logs;
  private static Optional<String> missingEngine;

  @BeforeAll
  static void start() {
    missingEngine = LocalStackLogs.missingEngine();
    if (missingEngine.isPresent()) {
      System.out.println("LocalStackLogsIT skipped: " + missingEngine.get());
      return;
    }
    localStack = LocalStackLogs.start();
    logs = localStack.logs();
    logs.createLogGroup(b -> b.logGroupName(GROUP));
  }

  @BeforeEach
  void needsDocker() {
    Assumptions.assumeTrue(missingEngine.isEmpty(), "LocalStackLogsIT needs a Docker engine");
  }

  @AfterAll
  static void stop() {
    if (logs != null) {
      logs.close();
    }
    if (localStack != null) {
      localStack.close();
    }
  }

  @Test
  void eventsWrittenToATaskStreamAreReadBackFromThatStreamOnlyInOrder() {
    String stream = "flow/flow/task-a";
    String other = "flow/flow/task-b";
    logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(stream));
    logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(other));
    long now = Instant.now().toEpochMilli();
    logs.putLogEvents(
        b ->
            b.logGroupName(GROUP)
                .logStreamName(stream)
                .logEvents(
                    event(now - 2000, "Beginning Flow run"), event(now - 1000, "Task done")));
    logs.putLogEvents(
        b -> b.logGroupName(GROUP).logStreamName(other).logEvents(event(now, "not this task")));

    List<FilteredLogEvent> read =
        logs.filterLogEvents(
                b -> b.logGroupName(GROUP).logStreamNames(stream).startTime(now - 5000))
            .events();

    assertThat(read)
        .extracting(FilteredLogEvent::message)
        .containsExactly("Beginning Flow run", "Task done");
    assertThat(read).extracting(FilteredLogEvent::logStreamName).containsOnly(stream);
    assertThat(read)
        .extracting(FilteredLogEvent::timestamp)
        .containsExactly(now - 2000, now - 1000);
  }

  @Test
  void aStreamCreatedTwiceIsReportedAsExistingAndManyEventsArePagedWithoutLoss() {
    String stream = "flow/flow/task-c";
    logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(stream));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(stream)))
        .isInstanceOf(ResourceAlreadyExistsException.class);

    long base = Instant.now().toEpochMilli() - 60_000;
    List<InputLogEvent> batch = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      batch.add(event(base + i, "line " + i));
    }
    logs.putLogEvents(b -> b.logGroupName(GROUP).logStreamName(stream).logEvents(batch));

    List<String> read = new ArrayList<>();
    String token = null;
    do {
      String page = token;
      var answer =
          logs.filterLogEvents(
              b -> b.logGroupName(GROUP).logStreamNames(stream).startTime(base).nextToken(page));
      answer.events().forEach(e -> read.add(e.message()));
      token = answer.nextToken();
    } while (token != null && read.size() < 3000);

    assertThat(read).hasSize(1500).startsWith("line 0", "line 1").endsWith("line 1499");
  }

  @Test
  void theForwarderBringsEachTaskStreamIntoItsOwnRunOnceInOrderWithTheCrashEvidence() {
    List<LogEntry> written = new CopyOnWriteArrayList<>();
    RunLogWriter writer =
        new RunLogWriter() {
          @Override
          public CompletableFuture<Void> write(LogEntry entry) {
            written.add(entry);
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void dispatch() {}
        };
    StreamSource source = new StreamSource(GROUP, "prefect", "flow");
    // The forwarder closes the Logs API it is given: it gets a client of its own.
    CloudWatchForwarding forwarding =
        CloudWatchForwarding.over(
            ForwarderSettings.defaults(LogForwarding.ALL)
                .withTiming(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(2)),
            new AwsLogsApi(localStack.logs()),
            arn -> Optional.of(source),
            writer,
            Clock.systemUTC(),
            GROUP);
    forwarding.start();
    try {
      List<String> runs = List.of("run-ok", "run-crash");
      long now = Instant.now().toEpochMilli();
      for (String run : runs) {
        String taskArn = "arn:aws:ecs:us-east-1:000000000000:task/default/" + run + "-task";
        forwarding
            .events()
            .taskStarted(new TaskStart(run, taskArn, "arn:td/flow:1", Instant.now()));
        String stream = source.streamOf(taskArn);
        logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(stream));
        List<InputLogEvent> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          events.add(event(now - 30 + i, run + " line " + i));
        }
        logs.putLogEvents(b -> b.logGroupName(GROUP).logStreamName(stream).logEvents(events));
      }
      Eventually.until(
          Duration.ofSeconds(60),
          () -> "60 lines forwarded; so far " + written.size(),
          () -> written.size() >= 60);
      forwarding
          .events()
          .taskStopped(
              new TaskStop(
                  "run-crash",
                  "arn:aws:ecs:us-east-1:000000000000:task/default/run-crash-task",
                  Instant.now(),
                  true,
                  "exit code 1"));
      Eventually.until(
          Duration.ofSeconds(60),
          "an ERROR log with the crashed task's last lines",
          () -> written.stream().anyMatch(e -> e.level().equals("ERROR")));
      for (String run : runs) {
        List<String> lines =
            written.stream()
                .filter(e -> e.flowRunId().equals(run) && !e.level().equals("ERROR"))
                .map(LogEntry::message)
                .toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          expected.add(run + " line " + i);
        }
        assertThat(lines).as("lines of %s", run).containsExactlyElementsOf(expected);
      }
      LogEntry evidence =
          written.stream().filter(e -> e.level().equals("ERROR")).findFirst().orElseThrow();
      assertThat(evidence.flowRunId()).isEqualTo("run-crash");
      assertThat(evidence.message()).contains("exit code 1").contains("run-crash line 29");
    } finally {
      forwarding.close(Duration.ofSeconds(10));
    }
  }

  private static InputLogEvent event(long timestamp, String message) {
    return InputLogEvent.builder().timestamp(timestamp).message(message).build();
  }
}
