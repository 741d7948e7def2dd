package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the CloudWatch output of flow tasks into their runs' Prefect logs, each line once, on
 * its run, in its stream's order. Learns of tasks through {@link TaskEvents}; one thread sweeps: it
 * learns from the server where each new stream's lines end ({@link Positioning}), reads the streams
 * with the fewest FilterLogEvents calls it can ({@link ReadPlan}: by name, at most 100 a call, for
 * streams known to exist; by stream prefix for streams not known to exist, which CloudWatch would
 * refuse by name), keeps each stream's exact position ({@link StreamState}), hands new lines to a
 * byte-bounded {@link RunLogOutbox}, and lets go of stopped tasks once their streams went quiet (an
 * ERROR log with the last lines after an abnormal stop).
 *
 * <p>A group that refuses reads is kept apart ({@link GroupRefusals}); throttling slows the
 * adaptive read bucket and ends the sweep. The sweep body catches everything, an {@code Error} too,
 * and reports its last completion ({@link #lastCompletedSweep()}) for the health endpoint.
 *
 * <p>Thread-safe: events are queued and applied on the forwarder's own thread.
 */
public final class LogForwarder implements TaskEvents, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogForwarder.class);

  private static final long WARN_EVERY_MILLIS = 60_000;

  /** Sweeps are spaced so that their calls take at most this share of the read rate. */
  static final double PACE = 0.8;

  private final ForwarderSettings settings;
  private final ReadRunner runner;
  private final PlanReads reads;
  private final Positioning positioning;
  private final RunLogOutbox outbox;
  private final Clock clock;
  private final TokenBucket bucket;
  private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2));
  private final GroupRefusals refusals = new GroupRefusals();
  private final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
  private final FollowedTasks tasks;
  private final StateBudget budget;
  private final ScheduledExecutorService thread;
  private long resumeAt;
  private int failures;
  private long idleMillis;
  private long newLines;
  private boolean discovering;
  private long pauses;
  private long lastPauseWarning = Long.MIN_VALUE;
  private volatile boolean closing;
  private volatile boolean closed;
  private volatile boolean finalSweep;
  private volatile Instant lastCompletedSweep;

  /** A forwarder that takes no position from the server (every stream is read from its start). */
  public LogForwarder(
      ForwarderSettings settings,
      LogsApi logs,
      StreamLocator locator,
      TokenBucket readBucket,
      RunLogWriter writer,
      Clock clock) {
    this(settings, logs, locator, RunLogPositions.NONE, readBucket, writer, clock);
  }

  LogForwarder(
      ForwarderSettings settings,
      LogsApi logs,
      StreamLocator locator,
      RunLogPositions positions,
      TokenBucket readBucket,
      RunLogWriter writer,
      Clock clock) {
    this.settings = settings;
    this.bucket = readBucket;
    this.runner = new ReadRunner(logs, readBucket, clock, settings.lookBack().toMillis());
    this.positioning = new Positioning(positions);
    this.clock = clock;
    this.outbox = new RunLogOutbox(writer, positions, settings.bufferBytes(), clock);
    this.budget = new StateBudget(settings.stateBytes(), clock);
    this.tasks = new FollowedTasks(settings, locator, outbox, refusals, clock);
    this.reads = new PlanReads(runner, refusals, tasks, clock, settings.lookBack().toMillis());
    this.idleMillis = settings.pollInterval().toMillis();
    this.lastCompletedSweep = clock.instant();
    this.thread = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("logs", true));
  }

  /**
   * The FilterLogEvents bucket at the Logs read quota (5 per second, burst 5), adaptive: a
   * throttled read lowers its rate, so agents sharing one account share the quota.
   */
  public static TokenBucket filterQuota() {
    return TokenBucket.filterLogEvents();
  }

  /** Starts sweeping on the forwarder's thread. */
  public void start() {
    if (settings.mode() != LogForwarding.OFF) {
      schedule(0);
    }
  }

  /** When a sweep last finished (start-up before the first): a stuck forwarder stops moving it. */
  public Instant lastCompletedSweep() {
    return lastCompletedSweep;
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

  private void schedule(long delayMillis) {
    try {
      thread.schedule(this::loop, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("The forwarder's thread is shut down; no more sweeps");
    }
  }

  /** One sweep, then the next one scheduled; never throws, so the thread never dies silently. */
  private void loop() {
    if (closing) {
      return;
    }
    long delay;
    try {
      delay = sweepAndPace();
    } catch (RuntimeException | Error e) {
      // An Error too: a scheduled task that throws is never run again.
      delay = backoff.ceiling(Math.min(failures++, 20)).toMillis();
      LOG.error("Reading flow task logs failed unexpectedly; trying again in {} ms", delay, e);
    }
    if (!closing) {
      schedule(delay);
    }
  }

  /**
   * One sweep within the sweep budget; returns how long to wait before the next: the poll interval
   * after a sweep that found lines (doubling up to five times it while none are found), never
   * sooner than the sweep's calls at {@value #PACE} of the read rate allow, and not before a
   * backoff ends.
   */
  long sweepAndPace() {
    long began = clock.millis();
    long callsBefore = runner.calls();
    boolean found = sweep(began + settings.sweepBudget().toMillis(), false);
    lastCompletedSweep = clock.instant();
    long poll = settings.pollInterval().toMillis();
    idleMillis = found ? poll : Math.min(idleMillis * 2, poll * 5);
    long now = clock.millis();
    long elapsed = now - began;
    long pace = (long) ((runner.calls() - callsBefore) * 1000 / (PACE * bucket.rate()));
    return Math.max(0, Math.max(Math.max(idleMillis, pace) - elapsed, resumeAt - now));
  }

  /**
   * One sweep: apply events, position new streams, read what the plan says until {@code
   * deadlineMillis} (on the forwarder's clock), let go of stopped tasks whose streams went quiet.
   * Returns whether a new line was found or a stream not known to exist yet was looked for.
   */
  boolean sweep(long deadlineMillis, boolean final_) {
    long now = clock.millis();
    Object event;
    while ((event = events.poll()) != null) {
      tasks.apply(event, now);
    }
    long before = newLines;
    discovering = false;
    if (final_ || now >= resumeAt) {
      tasks.locate();
      if (!final_) {
        positioning.position(tasks.waitingForPosition(), now);
      }
      read(deadlineMillis, now);
    }
    tasks.release(
        clock.millis(),
        final_,
        final_ ? null : task -> Probe.whetherCreated(runner, task, this::forward));
    budget.enforce(tasks.all());
    return newLines > before || discovering;
  }

  private void read(long deadlineMillis, long now) {
    PlanReads.Result result =
        reads.read(tasks.toRead(now), now, this::forward, () -> mayGoOn(deadlineMillis));
    // While streams wait to be found (a task starting), sweeps do not slow down as when idle.
    discovering = result.discovering();
    if (result.backOff() != null) {
      backOff(result.backOff());
    } else {
      failures = 0;
    }
  }

  private boolean mayGoOn(long deadlineMillis) {
    if ((closing && !finalSweep) || clock.millis() >= deadlineMillis) {
      return false;
    }
    if (!outbox.hasRoom()) {
      pauses++;
      long now = clock.millis();
      if (lastPauseWarning == Long.MIN_VALUE || now - lastPauseWarning >= WARN_EVERY_MILLIS) {
        lastPauseWarning = now;
        LOG.warn(
            "{} forwarded line(s) ({} KiB) wait for the Prefect API; reading CloudWatch is paused"
                + " until it takes them (nothing is dropped; paused {} time(s) so far)",
            outbox.waiting(),
            outbox.bytes() / 1024,
            pauses);
      }
      return false;
    }
    return true;
  }

  private void backOff(LogsException e) {
    long delay = backoff.ceiling(Math.min(failures, 20)).toMillis();
    failures++;
    resumeAt = clock.millis() + delay;
    if (failures == 1) {
      LOG.warn(
          "{}; reading flow task logs again in {} ms, from where each stream stopped",
          Messages.firstLine(e),
          delay);
    } else {
      LOG.debug("{}; backing off {} ms", e.getMessage(), delay);
    }
  }

  private void forward(StreamState task, LogEvent event) {
    long now = clock.millis();
    if (!task.accept(event, now, budget.tailChars(tasks.size()))) {
      return;
    }
    newLines++;
    LogForwarding mode = settings.mode();
    boolean prefects = task.alreadySentByPrefect(event.message());
    if (mode == LogForwarding.ALL || (mode == LogForwarding.NON_PREFECT && !prefects)) {
      outbox.offer(
          new RunLogOutbox.Line(
              RunLogOutbox.Kind.OUTPUT,
              task.flowRunId(),
              settings.loggerName(),
              "INFO",
              event.message(),
              task.timestampOf(event),
              task.stream(),
              event.eventId(),
              task.windowStart()));
    }
  }

  /** FilterLogEvents calls made so far (pages included). Read on the forwarder thread. */
  long readCalls() {
    return runner.calls();
  }

  /** Batched position reads made so far. */
  long positionQueries() {
    return positioning.queries();
  }

  RunLogOutbox outbox() {
    return outbox;
  }

  StateBudget budget() {
    return budget;
  }

  /** How often reading paused because the lines waiting for the API took half the buffer. */
  long pauses() {
    return pauses;
  }

  int followed() {
    return tasks.size();
  }

  /** Followed streams not known to exist yet (tests). */
  int unknownStreams() {
    return (int) tasks.all().stream().filter(t -> t.isPositioned() && !t.isKnown()).count();
  }

  /** The state of the task {@code taskArn} (tests). */
  StreamState state(String taskArn) {
    return tasks.get(taskArn);
  }

  /**
   * Stops sweeping, reads every stream once more and writes the ERROR logs of stopped tasks (half
   * of {@code timeout} at most), then waits for the lines to reach the writer. Returns whether
   * everything was sent. Lines not sent are not lost: the next agent resumes every stream where its
   * lines in Prefect end.
   */
  public boolean close(Duration timeout) {
    if (closed) {
      return true;
    }
    closed = true;
    closing = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    thread.shutdown();
    try {
      boolean idle = thread.awaitTermination(timeout.toMillis() / 4, TimeUnit.MILLISECONDS);
      if (!idle) {
        thread.shutdownNow();
        idle = thread.awaitTermination(Math.max(1, timeout.toMillis() / 8), TimeUnit.MILLISECONDS);
      }
      // The last read runs only once the forwarder's thread is gone (the state is its own), on a
      // thread of its own so that a call that hangs cannot hold the shutdown past its budget.
      if (idle && settings.mode() != LogForwarding.OFF) {
        finalSweep = true;
        long half = (deadline - System.nanoTime()) / 2_000_000;
        ExecutorService last =
            Executors.newSingleThreadExecutor(new NamedThreadFactory("logs-last", true));
        Future<Boolean> read = last.submit(() -> sweep(clock.millis() + half, true));
        last.shutdown();
        try {
          read.get(Math.max(1, half), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          read.cancel(true);
          LOG.warn("The last read of flow task logs took longer than {} ms; left unfinished", half);
        } catch (ExecutionException e) {
          LOG.warn("Last read of flow task logs failed: {}", Messages.firstLine(e.getCause()));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    long left = Math.max(0, deadline - System.nanoTime());
    boolean sent = outbox.awaitEmpty(Duration.ofNanos(left));
    outbox.close();
    if (!sent) {
      LOG.warn(
          "{} forwarded log line(s) could not be sent before shutdown; the next agent forwards"
              + " them from where the lines in Prefect end",
          outbox.waiting());
    }
    return sent;
  }

  /**
   * Stops at once without a last read or flush, as a process killed with {@code kill -9} does
   * (tests): what the outbox holds is never sent.
   */
  void abandon() {
    closed = true;
    closing = true;
    outbox.close();
    thread.shutdownNow();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
