package io.github.prefectecs.agent.prefect;

import io.github.prefectecs.agent.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.dataloader.BatchLoader;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderOptions;
import org.dataloader.Try;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches flow run states, task run states and run logs: whatever is queued within its kind's
 * window (see {@link Windows}), or until a {@code dispatch} call, goes out as one request per kind
 * through java-dataloader. Each item's future completes with that item's own outcome. Log lines
 * that fail with a retryable error are queued again with backoff; a full buffer fails new lines
 * (counted and warned), it never drops them silently.
 *
 * <p>Thread-safe. HTTP calls run on the given scheduler.
 */
public final class PrefectBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrefectBatcher.class);

  /** Default bound on log lines waiting to be written. */
  public static final int DEFAULT_LOG_CAPACITY = 10_000;

  private static final int MAX_STATES_PER_REQUEST = 200;
  private static final int MAX_LOGS_PER_REQUEST = 1_000;

  private final PrefectApi api;
  private final ScheduledExecutorService scheduler;
  private final Backoff logBackoff;
  private final int logCapacity;
  private final Clock clock;
  private final BatchLane<StateUpdate> flowStates;
  private final BatchLane<StateUpdate> taskStates;
  private final BatchLane<LogItem> logs;
  private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
  private final AtomicInteger logsWaiting = new AtomicInteger();
  private final OverflowCounter overflow;
  private volatile boolean closed;

  /** A log line with the number of times writing it has failed so far. */
  /** A log line, the times writing it has failed so far, and whether it is written at most once. */
  private record LogItem(LogEntry entry, int failures, boolean once) {}

  /**
   * How long each kind of write waits for others to share its request.
   *
   * @param flowRunStates the wait of flow run states (claims are dispatched by their caller at
   *     once)
   * @param deferred the wait of task run states and log lines, written after a launch, so they
   *     never delay one; long enough that at 20 launches a second one request carries many runs
   * @param flushAt task run states or log lines go at once when this many are waiting
   */
  public record Windows(Duration flowRunStates, Duration deferred, int flushAt) {
    /** The agent's windows: 50 ms for flow run states, 1 s or 200 items for the others. */
    public static final Windows AGENT =
        new Windows(Duration.ofMillis(50), Duration.ofSeconds(1), 200);

    public Windows {
      Objects.requireNonNull(flowRunStates, "flowRunStates");
      Objects.requireNonNull(deferred, "deferred");
      if (flushAt < 1) {
        throw new IllegalArgumentException("flushAt must be at least 1, was " + flushAt);
      }
    }

    /** Every kind waits {@code window}; only the window or a dispatch sends. */
    public static Windows uniform(Duration window) {
      return new Windows(window, window, Integer.MAX_VALUE);
    }
  }

  public PrefectBatcher(PrefectApi api, ScheduledExecutorService scheduler, Duration maxDelay) {
    this(api, scheduler, Windows.uniform(maxDelay));
  }

  public PrefectBatcher(PrefectApi api, ScheduledExecutorService scheduler, Windows windows) {
    this(
        api,
        scheduler,
        windows,
        new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30)),
        DEFAULT_LOG_CAPACITY,
        Clock.systemUTC());
  }

  /**
   * @param logBackoff delay before a log line that failed retryably is queued again
   * @param logCapacity the most log lines waiting at once; more are failed and counted
   */
  public PrefectBatcher(
      PrefectApi api,
      ScheduledExecutorService scheduler,
      Duration maxDelay,
      Backoff logBackoff,
      int logCapacity,
      Clock clock) {
    this(api, scheduler, Windows.uniform(maxDelay), logBackoff, logCapacity, clock);
  }

  /**
   * @param logBackoff delay before a log line that failed retryably is queued again
   * @param logCapacity the most log lines waiting at once; more are failed and counted
   */
  public PrefectBatcher(
      PrefectApi api,
      ScheduledExecutorService scheduler,
      Windows windows,
      Backoff logBackoff,
      int logCapacity,
      Clock clock) {
    this.api = Objects.requireNonNull(api, "api");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(windows, "windows");
    this.logBackoff = Objects.requireNonNull(logBackoff, "logBackoff");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (logCapacity < 1) {
      throw new IllegalArgumentException("logCapacity must be at least 1, was " + logCapacity);
    }
    this.logCapacity = logCapacity;
    this.overflow = new OverflowCounter(clock);
    this.flowStates =
        new BatchLane<>(
            stateLoader(api::setFlowRunStates),
            scheduler,
            windows.flowRunStates(),
            Integer.MAX_VALUE);
    this.taskStates =
        new BatchLane<>(
            stateLoader(api::setTaskRunStates), scheduler, windows.deferred(), windows.flushAt());
    this.logs =
        new BatchLane<>(
            DataLoaderFactory.newDataLoaderWithTry(
                (BatchLoader<LogItem, Try<Void>>) this::writeLogs,
                DataLoaderOptions.newOptions()
                    .setCachingEnabled(false)
                    .setMaxBatchSize(MAX_LOGS_PER_REQUEST)),
            scheduler,
            windows.deferred(),
            windows.flushAt());
  }

  /** Queues a flow run state; completes when it is set, or with that item's exception. */
  public CompletableFuture<Void> setFlowRunState(StateUpdate update) {
    return enqueue(flowStates, Objects.requireNonNull(update, "update"));
  }

  /** Queues a task run state; completes when it is set, or with that item's exception. */
  public CompletableFuture<Void> setTaskRunState(StateUpdate update) {
    return enqueue(taskStates, Objects.requireNonNull(update, "update"));
  }

  /**
   * Queues a log line; completes when written, or exceptionally when the server rejects it for good
   * (e.g. unknown run) or the buffer is full.
   */
  public CompletableFuture<Void> writeLog(LogEntry entry) {
    return writeLog(entry, false);
  }

  /**
   * Queues a log line that is sent at most once ({@link PrefectApi#writeRunLogsOnce}, in a request
   * of its own kind): it completes exceptionally with a retryable error when the request may or may
   * not have been written, and the caller reads the logs back to know.
   */
  public CompletableFuture<Void> writeLogOnce(LogEntry entry) {
    return writeLog(entry, true);
  }

  private CompletableFuture<Void> writeLog(LogEntry entry, boolean once) {
    Objects.requireNonNull(entry, "entry");
    if (logsWaiting.incrementAndGet() > logCapacity) {
      logsWaiting.decrementAndGet();
      return CompletableFuture.failedFuture(overflow.refuse(logCapacity));
    }
    CompletableFuture<Void> done = enqueue(logs, new LogItem(entry, 0, once));
    done.whenComplete((ok, error) -> logsWaiting.decrementAndGet());
    return done;
  }

  /** How many log lines were refused because the buffer was full. */
  public long overflowCount() {
    return overflow.count();
  }

  /** Sends everything queued now instead of waiting for the windows. */
  public void dispatchNow() {
    flowStates.dispatch();
    taskStates.dispatch();
    logs.dispatch();
  }

  /** Sends the flow run states queued now (claims), leaving the other kinds to their windows. */
  public void dispatchFlowRunStates() {
    flowStates.dispatch();
  }

  /** Sends the task run states queued now, leaving the other kinds to their windows. */
  public void dispatchTaskRunStates() {
    taskStates.dispatch();
  }

  /**
   * Sends everything queued and waits up to {@code timeout} for all outstanding items (including
   * log lines waiting to be retried). Returns whether everything completed.
   */
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!pending.isEmpty()) {
      dispatchNow();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      CompletableFuture<?> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
      try {
        all.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException | TimeoutException e) {
        // an item failed (its own future says why) or not everything is done yet: look again
      }
    }
    return true;
  }

  /** Sends what is queued; items still outstanding afterwards fail with a non-retryable error. */
  @Override
  public void close() {
    closed = true;
    dispatchNow();
    int left = pending.size();
    if (left > 0) {
      LOG.warn("Prefect batcher closed with {} state updates or log lines not yet sent", left);
      PrefectApiException error =
          new PrefectApiException(
              PrefectApiException.Kind.TRANSPORT, "the Prefect batcher was closed before sending");
      List.copyOf(pending).forEach(future -> future.completeExceptionally(error));
    }
  }

  private <K> CompletableFuture<Void> enqueue(BatchLane<K> lane, K key) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new PrefectApiException(
              PrefectApiException.Kind.TRANSPORT, "the Prefect batcher is closed"));
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((ok, error) -> pending.remove(result));
    lane.load(key).whenComplete((ok, error) -> BatchOutcomes.complete(result, error));
    return result;
  }

  private DataLoader<StateUpdate, Void> stateLoader(
      Function<List<StateUpdate>, List<UpdateResult>> call) {
    BatchLoader<StateUpdate, Try<Void>> loader =
        keys ->
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return BatchOutcomes.toTries(call.apply(keys), keys.size());
                  } catch (PrefectApiException e) {
                    return BatchOutcomes.failAll(e, keys.size());
                  }
                },
                scheduler);
    return DataLoaderFactory.newDataLoaderWithTry(
        loader,
        DataLoaderOptions.newOptions()
            .setCachingEnabled(false)
            .setMaxBatchSize(MAX_STATES_PER_REQUEST));
  }

  private CompletableFuture<List<Try<Void>>> writeLogs(List<LogItem> items) {
    List<CompletableFuture<Try<Void>>> outcomes = new ArrayList<>();
    items.forEach(item -> outcomes.add(new CompletableFuture<>()));
    CompletableFuture.runAsync(() -> writeLogsNow(items, outcomes), scheduler)
        .exceptionally(
            error -> {
              outcomes.forEach(o -> o.complete(Try.failed(error)));
              return null;
            });
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> outcomes.stream().map(CompletableFuture::join).toList());
  }

  private void writeLogsNow(List<LogItem> all, List<CompletableFuture<Try<Void>>> allOutcomes) {
    for (boolean once : new boolean[] {false, true}) {
      List<LogItem> items = new ArrayList<>();
      List<CompletableFuture<Try<Void>>> outcomes = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).once() == once) {
          items.add(all.get(i));
          outcomes.add(allOutcomes.get(i));
        }
      }
      if (!items.isEmpty()) {
        writeLogsNow(items, outcomes, once);
      }
    }
  }

  private void writeLogsNow(
      List<LogItem> items, List<CompletableFuture<Try<Void>>> outcomes, boolean once) {
    List<LogEntry> entries = items.stream().map(LogItem::entry).toList();
    Map<String, UpdateResult> byRun = new HashMap<>();
    PrefectApiException whole = null;
    try {
      (once ? api.writeRunLogsOnce(entries) : api.writeRunLogs(entries))
          .forEach(result -> byRun.put(result.runId(), result));
    } catch (PrefectApiException e) {
      whole = e;
    }
    for (int i = 0; i < items.size(); i++) {
      LogItem item = items.get(i);
      UpdateResult result = byRun.get(item.entry().flowRunId());
      PrefectApiException error =
          whole != null
              ? whole
              : result == null
                  ? new PrefectApiException(
                      PrefectApiException.Kind.MALFORMED,
                      "write_run_logs: no result for flow run " + item.entry().flowRunId())
                  : result.error();
      if (error == null) {
        outcomes.get(i).complete(Try.succeeded(null));
      } else if (error.retryable() && !closed && !item.once()) {
        retryLater(item, error, outcomes.get(i));
      } else {
        outcomes.get(i).complete(Try.failed(error));
      }
    }
  }

  private void retryLater(
      LogItem item, PrefectApiException error, CompletableFuture<Try<Void>> outcome) {
    Duration delay = logBackoff.delay(Math.min(item.failures(), 30));
    if (item.failures() == 0) {
      LOG.warn(
          "Writing a log line of flow run {} failed ({}); retrying in {} ms",
          item.entry().flowRunId(),
          error.getMessage(),
          delay.toMillis());
    }
    LogItem again = new LogItem(item.entry(), item.failures() + 1, false);
    try {
      scheduler.schedule(
          () -> {
            logs.load(again)
                .whenComplete(
                    (ok, e) ->
                        outcome.complete(
                            e == null ? Try.succeeded(null) : Try.failed(BatchOutcomes.unwrap(e))));
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      outcome.complete(Try.failed(error));
    }
  }
}
