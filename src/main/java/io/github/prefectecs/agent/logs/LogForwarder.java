package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the CloudWatch output of flow tasks into their runs' Prefect logs. Learns of tasks
 * through {@link TaskEvents}; every {@code pollInterval} one thread reads all followed streams with
 * FilterLogEvents (up to 100 streams of a group per call, paginated, paced by a token bucket at the
 * Logs read quota), drops events already forwarded (by event id), and hands new lines to a bounded
 * {@link RunLogOutbox}. A stopped task is read until its stream has been quiet for {@code
 * quietPeriod}; if it stopped abnormally, its last lines go out as one ERROR run log.
 *
 * <p>Thread-safe: events are queued and applied on the forwarder's own thread. Read errors and
 * throttling back off and resume from each stream's cursor.
 */
public final class LogForwarder implements TaskEvents, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogForwarder.class);

  /** In {@code failures} mode a stopped task is read from this long before it stopped. */
  static final Duration FAILURES_WINDOW = Duration.ofMinutes(10);

  private final ForwarderSettings settings;
  private final StreamLocator locator;
  private final StreamReads reads;
  private final RunLogOutbox outbox;
  private final Clock clock;
  private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2));
  private final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
  private final Map<String, FollowedTask> tasks = new LinkedHashMap<>();
  private final ScheduledExecutorService thread;
  private long resumeAt = Long.MIN_VALUE;
  private int failures;
  private volatile boolean closed;

  public LogForwarder(
      ForwarderSettings settings,
      LogsApi logs,
      StreamLocator locator,
      TokenBucket readBucket,
      RunLogWriter writer,
      Clock clock) {
    this.settings = settings;
    this.locator = locator;
    this.reads = new StreamReads(logs, readBucket, settings.lookBack(), clock);
    this.clock = clock;
    this.outbox = new RunLogOutbox(writer, settings.bufferCapacity(), clock);
    this.thread = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("logs", true));
  }

  /**
   * The FilterLogEvents bucket at the Logs read quota (5 per second, burst 5), adaptive: a
   * throttled read lowers its rate, so agents sharing one account share the quota.
   */
  public static TokenBucket filterQuota() {
    return TokenBucket.filterLogEvents();
  }

  /** Starts reading every {@code pollInterval}. */
  public void start() {
    if (settings.mode() == LogForwarding.OFF) {
      return;
    }
    long every = settings.pollInterval().toMillis();
    thread.scheduleWithFixedDelay(this::sweepSafely, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public void taskStarted(TaskStart start) {
    if (settings.mode() != LogForwarding.OFF && !closed) {
      events.add(start);
    }
  }

  @Override
  public void taskStopped(TaskStop stop) {
    if (settings.mode() != LogForwarding.OFF && !closed) {
      events.add(stop);
    }
  }

  private void sweepSafely() {
    try {
      sweep(false);
    } catch (RuntimeException e) {
      LOG.warn("Reading flow task logs failed: {}", Messages.firstLine(e), e);
    }
  }

  /** One round: apply events, read every stream once, let go of quiet stopped tasks. */
  void sweep(boolean final_) {
    long now = clock.millis();
    applyEvents(now);
    if (!final_ && now < resumeAt) {
      return;
    }
    locate();
    Map<String, List<FollowedTask>> byGroup = new HashMap<>();
    for (FollowedTask task : tasks.values()) {
      if (task.isLocated() && readable(task)) {
        byGroup.computeIfAbsent(task.source().group(), g -> new ArrayList<>()).add(task);
      }
    }
    try {
      for (Map.Entry<String, List<FollowedTask>> group : byGroup.entrySet()) {
        List<FollowedTask> members = group.getValue();
        members.sort(Comparator.comparing(FollowedTask::stream));
        for (int i = 0; i < members.size(); i += LogsApi.MAX_STREAMS_PER_CALL) {
          reads.read(
              group.getKey(), members.subList(i, Math.min(members.size(), i + 100)), this::forward);
        }
      }
      failures = 0;
    } catch (LogsException e) {
      backOff(e);
      if (!final_) {
        return;
      }
    }
    release(clock.millis(), final_);
  }

  private void applyEvents(long now) {
    Object event;
    while ((event = events.poll()) != null) {
      if (event instanceof TaskStart start) {
        tasks.putIfAbsent(start.taskArn(), new FollowedTask(start, settings.tailLines()));
      } else if (event instanceof TaskStop stop) {
        FollowedTask task = tasks.get(stop.taskArn());
        if (task == null) {
          LOG.debug("Stop of task {} that was never followed; nothing to read", stop.taskArn());
        } else if (settings.mode() == LogForwarding.FAILURES && !stop.abnormal()) {
          tasks.remove(stop.taskArn());
        } else {
          task.stopped(stop, now);
          if (settings.mode() == LogForwarding.FAILURES) {
            // Only the last lines matter: skip most of a long run's output.
            task.skipTo(stop.stoppedAt().toEpochMilli() - FAILURES_WINDOW.toMillis());
          }
        }
      }
    }
  }

  /** In {@code failures} mode only an abnormally stopped task is read (for its last lines). */
  private boolean readable(FollowedTask task) {
    return settings.mode() != LogForwarding.FAILURES || task.isStopped();
  }

  private void locate() {
    for (FollowedTask task : tasks.values()) {
      if (task.isLocated() || task.isUnreadable() || !readable(task)) {
        continue;
      }
      String arn = task.start.taskDefinitionArn();
      if (arn == null) {
        LOG.debug("Task {} has no known task definition; its output is not read", task.start);
        task.unreadable();
        continue;
      }
      try {
        Optional<StreamSource> source = locator.locate(arn);
        if (source.isPresent()) {
          task.located(source.get());
        } else {
          task.unreadable();
        }
      } catch (LogsException e) {
        LOG.debug("Cannot locate the log stream of task {} yet: {}", task.start.taskArn(), e);
        return; // try again next round
      }
    }
  }

  private void forward(FollowedTask task, LogEvent event) {
    LogForwarding mode = settings.mode();
    boolean prefects = task.alreadySentByPrefect(event.message());
    if (mode == LogForwarding.ALL || (mode == LogForwarding.NON_PREFECT && !prefects)) {
      outbox.offer(
          new LogEntry(
              task.flowRunId(),
              settings.loggerName(),
              "INFO",
              event.message(),
              task.timestampOf(event)));
    }
  }

  private void backOff(LogsException e) {
    long delay = backoff.ceiling(Math.min(failures, 20)).toMillis();
    failures++;
    resumeAt = clock.millis() + delay;
    String fix =
        e.kind() == LogsException.Kind.ACCESS_DENIED
            ? "; grant the agent's role logs:FilterLogEvents"
            : "";
    if (failures == 1 || e.kind() == LogsException.Kind.ACCESS_DENIED) {
      LOG.warn(
          "{}{}; reading flow task logs again in {} ms, from where it stopped",
          Messages.firstLine(e),
          fix,
          delay);
    } else {
      LOG.debug("{}; backing off {} ms", e.getMessage(), delay);
    }
  }

  /** Lets go of stopped tasks whose streams went quiet (all of them on the final round). */
  private void release(long now, boolean final_) {
    long quiet = settings.quietPeriod().toMillis();
    // A stream that cannot be read at all is let go after the quiet period too.
    var it = tasks.values().iterator();
    while (it.hasNext()) {
      FollowedTask task = it.next();
      boolean done =
          task.isStopped()
              && (final_
                  || task.quietSinceStop(now, quiet)
                  || ((task.isUnreadable() || !task.isLocated())
                      && now - task.stopHeardAt() >= quiet));
      if (done) {
        it.remove();
        LogEntry evidence = StopEvidence.of(task, settings.loggerName());
        if (evidence != null) {
          outbox.offer(evidence);
        }
      }
    }
  }

  /** FilterLogEvents calls made so far (pages included). Read on the forwarder thread. */
  long readCalls() {
    return reads.calls();
  }

  RunLogOutbox outbox() {
    return outbox;
  }

  int followed() {
    return tasks.size();
  }

  /**
   * Reads every stream one last time, writes the ERROR logs of stopped tasks, and waits up to
   * {@code timeout} for the lines to reach the writer. Returns whether everything was sent.
   */
  public boolean close(Duration timeout) {
    if (closed) {
      return true;
    }
    closed = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    thread.shutdown();
    try {
      boolean idle = thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!idle) {
        thread.shutdownNow();
        idle = thread.awaitTermination(1, TimeUnit.SECONDS);
      }
      // The last read runs here only once the forwarder's thread is gone: the state is its own.
      if (idle && settings.mode() != LogForwarding.OFF) {
        sweep(true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (RuntimeException e) {
      LOG.warn("Last read of flow task logs failed: {}", Messages.firstLine(e));
    }
    long left = Math.max(0, deadline - System.nanoTime());
    boolean sent = outbox.awaitEmpty(Duration.ofNanos(left));
    if (!sent) {
      LOG.warn("{} forwarded log line(s) could not be sent before shutdown", outbox.waiting());
    }
    return sent;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
