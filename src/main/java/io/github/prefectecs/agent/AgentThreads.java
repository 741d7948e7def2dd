package io.github.prefectecs.agent;

import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.Pools;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Every executor of an agent, each thread named and created through {@link NamedThreadFactory}
 * (which logs an uncaught exception): the poll loop's thread, the timers of claims and retries, the
 * batched reports to Prefect, the launch pool, and the task watcher's thread. Log forwarding, the
 * handshake, Slack notices and the health endpoint run their own named threads from the same
 * factory.
 *
 * @param poll the poll loop and start-up (not a daemon: it keeps the process alive)
 * @param timers start-time waits, claim checks, launch retries
 * @param reports the Prefect batcher's two threads
 * @param launches up to {@code max_concurrent_launches} launch threads, ended when idle
 * @param watch the task watcher
 */
public record AgentThreads(
    ScheduledExecutorService poll,
    ScheduledExecutorService timers,
    ScheduledExecutorService reports,
    ThreadPoolExecutor launches,
    ScheduledExecutorService watch) {

  /** A launch thread idle this long ends, so a burst does not pin threads for good. */
  static final Duration LAUNCH_THREAD_IDLE = Duration.ofSeconds(60);

  /** The executors of an agent with {@code launchSlots} launch slots. */
  public static AgentThreads create(int launchSlots) {
    return new AgentThreads(
        Pools.singleScheduler("agent-poll", false),
        Pools.singleScheduler("agent-scheduler", true),
        Executors.newScheduledThreadPool(2, new NamedThreadFactory("agent-report", true)),
        launchPool(launchSlots, LAUNCH_THREAD_IDLE),
        Pools.singleScheduler("agent-watch", true));
  }

  /** The launch pool: threads end after {@code idle} without work (see {@link Pools#elastic}). */
  static ThreadPoolExecutor launchPool(int size, Duration idle) {
    return Pools.elastic("agent-launch", size, idle);
  }
}
