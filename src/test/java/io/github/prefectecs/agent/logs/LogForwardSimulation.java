package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A virtual-time simulation of {@code tasks} flow tasks each printing a line every {@code
 * lineEvery}, read either by the {@link LogForwarder} (FilterLogEvents, 100 streams a call, 5 calls
 * a second) or by a naive reader (one GetLogEvents per stream, 10 calls a second). Every Logs call
 * costs {@code callCost} of time. Reports read calls per minute and the delay from PutLogEvents to
 * the line reaching the Prefect writer. Single-threaded and deterministic.
 */
public final class LogForwardSimulation {
  private static final String GROUP = "/prefect/flow-runs";
  private static final StreamSource SOURCE = new StreamSource(GROUP, "prefect", "flow");

  /**
   * @param lines lines written into CloudWatch
   * @param forwarded lines that reached the writer (each once)
   * @param duplicates lines that reached the writer more than once
   * @param callsPerMinute Logs read calls per simulated minute
   * @param p50Millis median delay from PutLogEvents to the writer
   * @param p99Millis 99th percentile of that delay
   */
  public record Figures(
      int lines,
      int forwarded,
      int duplicates,
      double callsPerMinute,
      long p50Millis,
      long p99Millis) {}

  private final int tasks;
  private final Duration lineEvery;
  private final Duration writing;
  private final Duration callCost;
  private final TestClock clock = new TestClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final FakeLogsApi logs = new FakeLogsApi(1_000, clock::millis);
  private final List<Long> delays = new ArrayList<>();
  private final Map<String, Integer> seen = new HashMap<>();
  private int lines;
  private long nextLineRound;
  private int calls;

  public LogForwardSimulation(int tasks, Duration lineEvery, Duration writing, Duration callCost) {
    this.tasks = tasks;
    this.lineEvery = lineEvery;
    this.writing = writing;
    this.callCost = callCost;
  }

  private static String arn(int task) {
    return "arn:aws:ecs:us-east-1:1:task/flows/t" + task;
  }

  private TokenBucket bucket(String name, int perSecond) {
    return new TokenBucket(
        name,
        perSecond,
        perSecond,
        () -> clock.millis() * 1_000_000L,
        n -> clock.advance(Duration.ofNanos(n)));
  }

  /** Writes the lines due by now: each task prints one line every {@code lineEvery}. */
  private void writeDue(long end) {
    long start = Instant.parse("2026-11-24T10:00:00Z").toEpochMilli();
    long every = lineEvery.toMillis();
    while (nextLineRound <= Math.min(clock.millis(), end)) {
      long at = nextLineRound;
      for (int t = 0; t < tasks; t++) {
        // tasks are spread evenly over the interval
        long due = at + (every * t) / tasks;
        if (due <= end) {
          logs.put(GROUP, SOURCE.streamOf(arn(t)), due, "t" + t + "@" + due);
          lines++;
        }
      }
      nextLineRound += every;
    }
    if (nextLineRound == 0) {
      nextLineRound = start;
    }
  }

  private void record(LogEntry entry) {
    int count = seen.merge(entry.flowRunId() + " " + entry.message(), 1, Integer::sum);
    if (count == 1) {
      delays.add(clock.millis() - entry.timestamp().toEpochMilli());
    }
  }

  private Figures figures(long startMillis) {
    int duplicates = (int) seen.values().stream().filter(c -> c > 1).count();
    List<Long> sorted = new ArrayList<>(delays);
    Collections.sort(sorted);
    double minutes = (clock.millis() - startMillis) / 60_000.0;
    return new Figures(
        lines,
        sorted.size(),
        duplicates,
        calls / minutes,
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2),
        sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100)));
  }

  /** The forwarder, polling every {@code pollInterval}. */
  public Figures forwarder(Duration pollInterval) {
    long start = clock.millis();
    nextLineRound = start;
    long end = start + writing.toMillis();
    LogsApi costly =
        new LogsApi() {
          @Override
          public FilterPage filter(String group, List<String> streams, long from, String token) {
            clock.advance(callCost);
            calls++;
            return logs.filter(group, streams, from, token);
          }

          @Override
          public boolean createGroup(String group) {
            return logs.createGroup(group);
          }

          @Override
          public void close() {}
        };
    RunLogWriter writer =
        new RunLogWriter() {
          @Override
          public CompletableFuture<Void> write(LogEntry entry) {
            record(entry);
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void dispatch() {}
        };
    LogForwarder forwarder =
        new LogForwarder(
            ForwarderSettings.defaults(LogForwarding.ALL)
                .withTiming(pollInterval, Duration.ofSeconds(30), Duration.ofSeconds(15)),
            costly,
            arn -> Optional.of(SOURCE),
            bucket("logs:FilterLogEvents", 5),
            writer,
            clock);
    logs.createGroup(GROUP);
    for (int t = 0; t < tasks; t++) {
      forwarder.taskStarted(
          new io.github.prefectecs.agent.run.TaskEvents.TaskStart(
              "run-" + t, arn(t), "td", clock.instant()));
    }
    while (clock.millis() < end + pollInterval.toMillis() * 2) {
      clock.advance(pollInterval);
      writeDue(end);
      forwarder.sweep(false);
    }
    return figures(start);
  }

  /** One GetLogEvents per stream, round after round, as fast as the 10/s quota allows. */
  public Figures naive() {
    long start = clock.millis();
    nextLineRound = start;
    long end = start + writing.toMillis();
    logs.createGroup(GROUP);
    TokenBucket bucket = bucket("logs:GetLogEvents", 10);
    long[] cursor = new long[tasks];
    java.util.Arrays.fill(cursor, start);
    int[] read = new int[tasks];
    while (clock.millis() < end + 2_000) {
      for (int t = 0; t < tasks && clock.millis() < end + 2_000; t++) {
        writeDue(end);
        try {
          bucket.acquire();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return figures(start);
        }
        clock.advance(callCost);
        calls++;
        String stream = SOURCE.streamOf(arn(t));
        // GetLogEvents with the stream's forward token: only events not read before
        List<LogEvent> events = logs.filter(GROUP, List.of(stream), cursor[t], null).events();
        for (int i = read[t] == 0 ? 0 : 0; i < events.size(); i++) {
          LogEvent event = events.get(i);
          if (event.timestamp() >= cursor[t]) {
            record(
                new LogEntry(
                    "run-" + t,
                    "naive",
                    "INFO",
                    event.message(),
                    Instant.ofEpochMilli(event.timestamp())));
          }
        }
        if (!events.isEmpty()) {
          cursor[t] = events.get(events.size() - 1).timestamp() + 1;
        }
        read[t]++;
      }
    }
    return figures(start);
  }
}
