package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs polls on one thread. Each poll reschedules the next from its end, so a slow poll never piles
 * up: 0.25 s after a poll that found work, then 0.5, 1, 2, 4, 8, 10, 10... s while idle (the
 * reference's intervals), and an exponential backoff with jitter up to a minute while polls fail.
 * {@link #poke()} ends the current wait; {@code maxPolls} ends the loop.
 *
 * <p>Thread-safe.
 */
public final class PollLoop {
  private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
  private static final long[] IDLE_MILLIS = {250, 500, 1_000, 2_000, 4_000, 8_000, 10_000};

  /** Failed polls wait 1, 2, 4, ... up to 60 s, with jitter. */
  static final Backoff ERROR_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

  private final IntSupplier poll;
  private final ScheduledExecutorService thread;
  private final AgentHealth health;
  private final Runnable onFinished;
  private final Object lock = new Object();
  private long remainingPolls;
  private int idleIndex;
  private int failures;
  private ScheduledFuture<?> next;
  // Each scheduled tick carries the generation it was scheduled for; a tick that a poke replaced
  // (it may already have been picked up by the thread) sees a newer generation and does nothing.
  private long generation;
  private boolean running;
  private boolean stopped;

  /**
   * @param poll one poll; returns the number of runs found
   * @param thread the single poll thread
   * @param maxPolls polls before the loop ends, or null for no end
   * @param onFinished called once, on the poll thread, after the last poll
   */
  public PollLoop(
      IntSupplier poll,
      ScheduledExecutorService thread,
      AgentHealth health,
      Integer maxPolls,
      Runnable onFinished) {
    this.poll = poll;
    this.thread = thread;
    this.health = health;
    this.onFinished = onFinished;
    this.remainingPolls = maxPolls == null ? Long.MAX_VALUE : maxPolls;
  }

  public void start() {
    synchronized (lock) {
      if (remainingPolls <= 0) {
        thread.execute(onFinished);
        stopped = true;
        return;
      }
      scheduleTick(0);
    }
  }

  /** Ends the current wait so the next poll happens now. */
  public void poke() {
    synchronized (lock) {
      if (!stopped && !running && next != null) {
        next.cancel(false);
        scheduleTick(0);
      }
    }
  }

  /** Schedules the one next tick; the caller holds {@link #lock}. */
  private void scheduleTick(long delayMillis) {
    long tickGeneration = ++generation;
    next = thread.schedule(() -> tick(tickGeneration), delayMillis, TimeUnit.MILLISECONDS);
  }

  /** No more polls after the current one. */
  public void stop() {
    synchronized (lock) {
      stopped = true;
      if (next != null) {
        next.cancel(false);
      }
    }
  }

  private void tick(long tickGeneration) {
    synchronized (lock) {
      if (stopped || tickGeneration != generation) {
        return;
      }
      running = true;
    }
    long delay = pollSafely();
    synchronized (lock) {
      running = false;
      remainingPolls--;
      if (stopped) {
        return;
      }
      if (remainingPolls <= 0) {
        stopped = true;
        LOG.info("Reached --max-polls; stopping");
        thread.execute(onFinished);
        return;
      }
      LOG.debug("Sleeping flow run poller for {} ms", delay);
      scheduleTick(delay);
    }
  }

  /** Polls once and returns how long to wait before the next poll; never throws. */
  private long pollSafely() {
    try {
      int found = poll.getAsInt();
      health.pollSucceeded();
      failures = 0;
      idleIndex = found > 0 ? 0 : Math.min(idleIndex + 1, IDLE_MILLIS.length - 1);
      return IDLE_MILLIS[idleIndex];
    } catch (PrefectApiException e) {
      failures++;
      long backoff = errorBackoffMillis(failures);
      String reason = "polling the Prefect API failed: " + Messages.firstLine(e);
      health.failed(reason);
      LOG.warn("{}; retrying in {} ms", reason, backoff);
      return backoff;
    } catch (RuntimeException | Error e) {
      // An Error too: a periodic task that throws is never run again, while the health endpoint
      // would go on answering with the last poll's verdict.
      failures++;
      long backoff = errorBackoffMillis(failures);
      health.failed("poll failed unexpectedly: " + Messages.firstLine(e));
      LOG.error("Unexpected error while polling; retrying in {} ms", backoff, e);
      return backoff;
    }
  }

  /**
   * The wait after {@code failures} failed polls in a row: at least half the backoff ceiling, so a
   * failing API is not hammered, with jitter over the other half so agents do not synchronise.
   */
  public static long errorBackoffMillis(int failures) {
    long ceiling = ERROR_BACKOFF.ceiling(failures - 1).toMillis();
    return ceiling / 2 + ERROR_BACKOFF.delay(failures - 1).toMillis() / 2;
  }
}
