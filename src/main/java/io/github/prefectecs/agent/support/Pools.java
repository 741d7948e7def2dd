package io.github.prefectecs.agent.support;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The agent's executors: named threads, bounded waits at shutdown. */
public final class Pools {
  private Pools() {}

  /**
   * Up to {@code size} threads named {@code name-N}, created on demand and ended after {@code idle}
   * without work: a large {@code max_concurrent_launches} costs threads only while launches run.
   */
  public static ThreadPoolExecutor elastic(String name, int size, Duration idle) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            size,
            size,
            idle.toMillis(),
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            new NamedThreadFactory(name, true));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * One scheduling thread. Waits still pending at shutdown (the next poll, a connect retry) do not
   * run, and cancelled waits leave its queue at once.
   */
  public static ScheduledExecutorService singleScheduler(String name, boolean daemon) {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, new NamedThreadFactory(name, daemon));
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /**
   * Waits up to {@code timeout} for a shut-down executor to finish, then interrupts what is left.
   */
  public static void awaitTermination(ExecutorService executor, Duration timeout) {
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
