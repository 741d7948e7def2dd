package io.github.prefectecs.agent.claim;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads the state of flow runs whose claims are being checked: the reads that fall due within
 * {@link #WINDOW} of each other go out as one {@code flow_run} query (up to {@link #MAX_IDS} runs),
 * so a lost answer to a claim of many runs costs one check request, not one per run.
 *
 * <p>Thread-safe. Queries run on the given pool; each future completes there, with the run's status
 * (null when the server does not return the run), the query's exception, or a {@link
 * RejectedExecutionException} when the agent is stopping.
 */
public final class StatusReads {
  /** Reads due this close together share a query; a claim check waits seconds anyway. */
  static final Duration WINDOW = Duration.ofMillis(100);

  static final int MAX_IDS = 200;

  private record Read(String runId, CompletableFuture<FlowRunStatus> result) {}

  private final PrefectApi api;
  private final ScheduledExecutorService scheduler;
  private final Executor pool;
  private final List<Read> due = new ArrayList<>(); // guarded by this
  private boolean flushScheduled; // guarded by this

  public StatusReads(PrefectApi api, ScheduledExecutorService scheduler, Executor pool) {
    this.api = api;
    this.scheduler = scheduler;
    this.pool = pool;
  }

  /**
   * Reads {@code runId}'s status in {@code delayMillis}.
   *
   * @throws RejectedExecutionException when the scheduler is shut down
   */
  public CompletableFuture<FlowRunStatus> read(String runId, long delayMillis) {
    CompletableFuture<FlowRunStatus> result = new CompletableFuture<>();
    scheduler.schedule(() -> enqueue(new Read(runId, result)), delayMillis, TimeUnit.MILLISECONDS);
    return result;
  }

  /**
   * Reads the task runs {@code taskRunIds} in {@code delayMillis}, in one {@code task_run} query of
   * their own (claims through task runs are rare: Running runs queued again).
   *
   * @throws RejectedExecutionException when the scheduler is shut down
   */
  public CompletableFuture<List<TaskRun>> readTaskRuns(List<String> taskRunIds, long delayMillis) {
    CompletableFuture<List<TaskRun>> result = new CompletableFuture<>();
    scheduler.schedule(
        () -> {
          try {
            pool.execute(
                () -> {
                  try {
                    result.complete(api.taskRunStatuses(taskRunIds));
                  } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                  }
                });
          } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
          }
        },
        delayMillis,
        TimeUnit.MILLISECONDS);
    return result;
  }

  private void enqueue(Read read) {
    boolean schedule;
    synchronized (this) {
      due.add(read);
      schedule = !flushScheduled;
      flushScheduled = true;
    }
    if (schedule) {
      try {
        scheduler.schedule(this::flush, WINDOW.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        flush();
      }
    }
  }

  private void flush() {
    List<Read> batch;
    synchronized (this) {
      batch = List.copyOf(due);
      due.clear();
      flushScheduled = false;
    }
    for (int from = 0; from < batch.size(); from += MAX_IDS) {
      List<Read> chunk = batch.subList(from, Math.min(batch.size(), from + MAX_IDS));
      try {
        pool.execute(() -> query(chunk));
      } catch (RejectedExecutionException e) {
        chunk.forEach(r -> r.result().completeExceptionally(e));
      }
    }
  }

  private void query(List<Read> chunk) {
    Map<String, FlowRunStatus> byId = new HashMap<>();
    try {
      List<String> ids = chunk.stream().map(Read::runId).distinct().toList();
      for (FlowRunStatus status : api.flowRunStatuses(ids)) {
        byId.put(status.id(), status);
      }
    } catch (RuntimeException e) {
      chunk.forEach(r -> r.result().completeExceptionally(e));
      return;
    }
    chunk.forEach(r -> r.result().complete(byId.get(r.runId())));
  }
}
