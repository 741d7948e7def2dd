package io.github.prefectecs.agent.prefect;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dataloader.DataLoader;

/**
 * One kind of batched write (flow run states, task run states, log lines) with its own window:
 * items wait up to {@code window} after the first one is queued, or go at once when {@code flushAt}
 * are waiting, so a busy agent fills requests while an idle one still writes within the window.
 *
 * <p>Thread-safe.
 */
final class BatchLane<K> {
  private final DataLoader<K, Void> loader;
  private final ScheduledExecutorService scheduler;
  private final Duration window;
  private final int flushAt;
  private final AtomicBoolean scheduled = new AtomicBoolean();

  BatchLane(
      DataLoader<K, Void> loader,
      ScheduledExecutorService scheduler,
      Duration window,
      int flushAt) {
    this.loader = loader;
    this.scheduler = scheduler;
    this.window = window;
    this.flushAt = flushAt;
  }

  /** Queues {@code key}; sends the queue now when it holds {@code flushAt} items. */
  CompletableFuture<Void> load(K key) {
    CompletableFuture<Void> done = loader.load(key);
    if (loader.dispatchDepth() >= flushAt) {
      dispatch();
    } else {
      scheduleDispatch();
    }
    return done;
  }

  /** Sends everything queued now. */
  void dispatch() {
    loader.dispatch();
  }

  private void scheduleDispatch() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        scheduler.schedule(
            () -> {
              scheduled.set(false);
              dispatch();
            },
            window.toNanos(),
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
        dispatch();
      }
    }
  }
}
