package io.github.prefectecs.agent.logs;

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
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A virtual-time simulation of flow tasks writing into CloudWatch as ECS and the awslogs driver do,
 * read either by the {@link LogForwarder} or by a naive reader (one GetLogEvents per stream, round
 * after round, at its 10 calls/s quota). Tasks are launched at a steady rate; each one's stream
 * appears only once its container starts (a provisioning delay); busy tasks print a line every
 * {@code lineEvery} for {@code writing}, quiet ones two lines and then nothing; CloudWatch receives
 * each line a little after its timestamp; a read naming a missing stream is refused whole, as
 * CloudWatch does. Every Logs call costs {@code callCost}. Reports read calls per minute, refused
 * calls, and the delay from the moment CloudWatch has a line to the moment it reaches the Prefect
 * writer, with lines duplicated and lost. Single-threaded and deterministic (seeded).
 */
public final class LogForwardSimulation {
  private static final String GROUP = "/prefect/flow-runs";
  private static final StreamSource SOURCE = new StreamSource(GROUP, "prefect", "flow");
  private static final Instant EPOCH = Instant.parse("2026-11-24T10:00:00Z");

  /**
   * What the tasks do.
   *
   * @param tasks how many flow tasks are launched
   * @param launchesPerSecond the launch rate (Fargate allows 20 a second)
   * @param provisioningMin the shortest time from launch to the container (and its stream) starting
   * @param provisioningMax the longest
   * @param lineEvery how often a busy task prints
   * @param writing how long each task runs once started
   * @param quietShare the share of tasks that print two lines and then compute silently
   * @param ingestionMax the longest CloudWatch takes to receive a line (uniform from 0.5 s)
   * @param callCost how long one Logs call takes
   * @param seed the random seed
   * @param foreignPerSecond events a second from streams of the same group and prefix that this
   *     agent does not follow (other agents' tasks): prefix reads return them too
   */
  public record Workload(
      int tasks,
      double launchesPerSecond,
      Duration provisioningMin,
      Duration provisioningMax,
      Duration lineEvery,
      Duration writing,
      double quietShare,
      Duration ingestionMax,
      Duration callCost,
      long seed,
      double foreignPerSecond) {

    /** Launch 20/s, containers start 20-60 s later, 2/10 of the tasks quiet, 80 ms a call. */
    public static Workload of(int tasks, Duration lineEvery, Duration writing) {
      return new Workload(
          tasks,
          20,
          Duration.ofSeconds(20),
          Duration.ofSeconds(60),
          lineEvery,
          writing,
          0.2,
          Duration.ofSeconds(3),
          Duration.ofMillis(80),
          19,
          0);
    }

    /** The same, in a group where other agents' tasks write {@code perSecond} lines a second. */
    public Workload sharedWith(double perSecond) {
      return new Workload(
          tasks,
          launchesPerSecond,
          provisioningMin,
          provisioningMax,
          lineEvery,
          writing,
          quietShare,
          ingestionMax,
          callCost,
          seed,
          perSecond);
    }
  }

  /**
   * What a reader achieved.
   *
   * @param lines lines written into CloudWatch
   * @param forwarded distinct lines that reached the writer
   * @param duplicates lines that reached the writer more than once
   * @param lost lines that never reached it
   * @param callsPerMinute Logs read calls per simulated minute
   * @param refused calls refused because a named stream did not exist
   * @param p50Millis median delay from CloudWatch having a line to the writer having it
   * @param p99Millis 99th percentile of that delay
   * @param maxInFlight the most tasks running or starting at once
   * @param minutes simulated minutes
   * @param positionQueries batched position reads (forwarder only)
   */
  public record Figures(
      long lines,
      long forwarded,
      long duplicates,
      long lost,
      double callsPerMinute,
      long refused,
      long p50Millis,
      long p99Millis,
      int maxInFlight,
      double minutes,
      long positionQueries) {}

  private record Happening(long at, int task, int kind, long index)
      implements Comparable<Happening> {
    static final int START = 0;
    static final int STREAM = 1;
    static final int LINE = 2;
    static final int STOP = 3;

    @Override
    public int compareTo(Happening o) {
      return at != o.at ? Long.compare(at, o.at) : Integer.compare(kind, o.kind);
    }
  }

  private final Workload w;
  private final ManualClock clock = new ManualClock(EPOCH);
  private final FakeLogsApi logs = new FakeLogsApi(LogsApi.MAX_EVENTS_PER_PAGE, clock::millis);
  private final PriorityQueue<Happening> due = new PriorityQueue<>();
  private final Random random;
  private final long[] streamAt;
  private final boolean[] quiet;
  private final BitSet[] got;
  private final List<Long> delays = new ArrayList<>();
  private final List<Object> taskEvents = new ArrayList<>();
  private long lines;
  private long duplicates;
  private long calls;
  private int inFlight;
  private int maxInFlight;
  private long lastHappening;

  public LogForwardSimulation(Workload workload) {
    this.w = workload;
    this.random = new Random(workload.seed());
    this.streamAt = new long[workload.tasks()];
    this.quiet = new boolean[workload.tasks()];
    this.got = new BitSet[workload.tasks()];
    long start = EPOCH.toEpochMilli();
    long spread = workload.provisioningMax().toMillis() - workload.provisioningMin().toMillis();
    for (int t = 0; t < workload.tasks(); t++) {
      long launch = start + (long) (t * 1000 / workload.launchesPerSecond());
      streamAt[t] =
          launch + workload.provisioningMin().toMillis() + (long) (random.nextDouble() * spread);
      quiet[t] = random.nextDouble() < workload.quietShare();
      got[t] = new BitSet();
      due.add(new Happening(launch, t, Happening.START, 0));
      due.add(new Happening(streamAt[t], t, Happening.STREAM, 0));
      long phase = (long) (random.nextDouble() * workload.lineEvery().toMillis());
      due.add(new Happening(streamAt[t] + 200 + phase, t, Happening.LINE, 0));
      long end = streamAt[t] + workload.writing().toMillis();
      due.add(new Happening(end + 5_000, t, Happening.STOP, 0));
      lastHappening = Math.max(lastHappening, end + 5_000);
    }
  }

  private static String arn(int task) {
    return "arn:aws:ecs:us-east-1:1:task/flows/" + String.format("%032x", task);
  }

  /** Writes what happened by {@code now}: launches, streams, lines (received a little later). */
  private void happen(long now) {
    while (!due.isEmpty() && due.peek().at() <= now) {
      Happening h = due.poll();
      int t = h.task();
      switch (h.kind()) {
        case Happening.START -> {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          taskEvents.add(
              new TaskStart("run-" + t, arn(t), "td", Instant.ofEpochMilli(h.at()), null));
        }
        case Happening.STREAM -> logs.createStream(GROUP, SOURCE.streamOf(arn(t)));
        case Happening.LINE -> {
          long ingested =
              h.at() + 500 + (long) (random.nextDouble() * (w.ingestionMax().toMillis() - 500));
          logs.put(
              GROUP,
              SOURCE.streamOf(arn(t)),
              h.at(),
              "t" + t + "#" + h.index() + "@" + ingested,
              ingested);
          lines++;
          long next = h.at() + w.lineEvery().toMillis();
          boolean more = quiet[t] ? h.index() < 1 : next < streamAt[t] + w.writing().toMillis();
          if (more) {
            due.add(
                new Happening(quiet[t] ? h.at() + 1_000 : next, t, Happening.LINE, h.index() + 1));
          }
        }
        default -> {
          inFlight--;
          taskEvents.add(
              new TaskStop("run-" + t, arn(t), Instant.ofEpochMilli(h.at()), false, null));
        }
      }
    }
  }

  private void record(String message) {
    int hash = message.indexOf('#');
    int at = message.indexOf('@');
    int task = Integer.parseInt(message.substring(1, hash));
    int index = Integer.parseInt(message.substring(hash + 1, at));
    long ingested = Long.parseLong(message.substring(at + 1));
    if (got[task].get(index)) {
      duplicates++;
      return;
    }
    got[task].set(index);
    delays.add(clock.millis() - ingested);
  }

  private TokenBucket bucket(String name, int perSecond) {
    return new TokenBucket(
        name,
        perSecond,
        perSecond,
        () -> clock.millis() * 1_000_000L,
        n -> clock.advance(Duration.ofNanos(n)));
  }

  private Figures figures(long positionQueries) {
    long forwarded = 0;
    for (BitSet b : got) {
      forwarded += b.cardinality();
    }
    List<Long> sorted = new ArrayList<>(delays);
    sorted.sort(null);
    double minutes = (clock.millis() - EPOCH.toEpochMilli()) / 60_000.0;
    return new Figures(
        lines,
        forwarded,
        duplicates,
        lines - forwarded,
        calls / minutes,
        logs.refusedCalls(),
        sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2),
        sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100)),
        maxInFlight,
        minutes,
        positionQueries);
  }

  private boolean allForwarded() {
    long forwarded = 0;
    for (BitSet b : got) {
      forwarded += b.cardinality();
    }
    return due.isEmpty() && forwarded >= lines;
  }

  /** The log forwarder with its default settings, paced as its own thread paces itself. */
  public Figures forwarder() {
    LogsApi costly =
        new LogsApi() {
          @Override
          public FilterPage filter(FilterQuery query, String token) {
            clock.advance(w.callCost());
            calls++;
            happen(clock.millis());
            return logs.filter(query, token);
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
            record(entry.message());
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void dispatch() {}
        };
    long[] positionQueries = new long[1];
    RunLogPositions positions =
        streams -> {
          positionQueries[0] += (streams.size() + 99) / 100;
          return Map.of();
        };
    LogForwarder forwarder =
        new LogForwarder(
            ForwarderSettings.defaults(LogForwarding.ALL),
            costly,
            arn -> Optional.of(SOURCE),
            positions,
            bucket("logs:FilterLogEvents", 5),
            writer,
            clock);
    logs.semantics(Semantics.CLOUDWATCH).createGroup(GROUP);
    logs.foreignEventsPerSecond(w.foreignPerSecond());
    long end = lastHappening + Duration.ofMinutes(10).toMillis();
    while (clock.millis() < end && !(allForwarded() && forwarder.followed() == 0)) {
      happen(clock.millis());
      taskEvents.forEach(
          e -> {
            if (e instanceof TaskStart s) {
              forwarder.taskStarted(s);
            } else {
              forwarder.taskStopped((TaskStop) e);
            }
          });
      taskEvents.clear();
      long wait = forwarder.sweepAndPace();
      clock.advance(Duration.ofMillis(Math.max(10, wait)));
    }
    return figures(positionQueries[0]);
  }

  /** One GetLogEvents per started task's stream, round after round, at its 10/s quota. */
  public Figures naive() {
    logs.semantics(Semantics.CLOUDWATCH).createGroup(GROUP);
    TokenBucket bucket = bucket("logs:GetLogEvents", 10);
    List<Integer> started = new ArrayList<>();
    Map<Integer, Set<String>> seen = new HashMap<>();
    long end = lastHappening + Duration.ofMinutes(10).toMillis();
    while (clock.millis() < end && !allForwarded()) {
      happen(clock.millis());
      for (Object e : taskEvents) {
        if (e instanceof TaskStart s) {
          started.add(Integer.parseInt(s.flowRunId().substring(4)));
        }
      }
      taskEvents.clear();
      if (started.isEmpty()) {
        clock.advance(Duration.ofMillis(100));
        continue;
      }
      for (int t : List.copyOf(started)) {
        try {
          bucket.acquire();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return figures(0);
        }
        clock.advance(w.callCost());
        calls++;
        happen(clock.millis());
        String stream = SOURCE.streamOf(arn(t));
        try {
          // GetLogEvents from the head with its forward token: every event once, late ones too.
          Set<String> ids = seen.computeIfAbsent(t, k -> new HashSet<>());
          for (LogEvent event :
              logs.filter(FilterQuery.named(GROUP, List.of(stream), 0, clock.millis()), null)
                  .events()) {
            if (ids.add(event.eventId())) {
              record(event.message());
            }
          }
        } catch (LogsException refused) {
          // the stream does not exist yet
        }
        if (clock.millis() >= end) {
          break;
        }
      }
    }
    return figures(0);
  }
}
