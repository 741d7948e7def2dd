package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.support.Messages;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded buffer of forwarded lines in front of the Prefect writer. Lines go out in waves of up
 * to {@link #WAVE} (one {@code write_run_logs} request, many runs); the next wave leaves when the
 * previous one is written, so lines of a run reach the API in the order they were read. While the
 * API is down the buffer fills; beyond its capacity the oldest lines are dropped and counted, with
 * one WARN a minute.
 *
 * <p>Thread-safe.
 */
final class RunLogOutbox {
  private static final Logger LOG = LoggerFactory.getLogger(RunLogOutbox.class);
  static final int WAVE = 1_000;
  private static final long WARN_EVERY_MILLIS = 60_000;

  private final RunLogWriter writer;
  private final int capacity;
  private final Clock clock;
  private final ArrayDeque<LogEntry> queue = new ArrayDeque<>();
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private boolean inFlight;
  private long lastDropWarning = Long.MIN_VALUE;
  private long lastRejectWarning = Long.MIN_VALUE;

  RunLogOutbox(RunLogWriter writer, int capacity, Clock clock) {
    this.writer = writer;
    this.capacity = capacity;
    this.clock = clock;
  }

  /** Queues a line (dropping the oldest when full) and sends a wave if none is in flight. */
  void offer(LogEntry entry) {
    offered.incrementAndGet();
    synchronized (this) {
      if (queue.size() >= capacity) {
        queue.pollFirst();
        long count = dropped.incrementAndGet();
        writer.dropped(1);
        long now = clock.millis();
        if (lastDropWarning == Long.MIN_VALUE || now - lastDropWarning >= WARN_EVERY_MILLIS) {
          lastDropWarning = now;
          LOG.warn(
              "Forwarded log buffer is full ({} lines waiting for the Prefect API); dropped the"
                  + " oldest, {} line(s) dropped so far",
              capacity,
              count);
        }
      }
      queue.addLast(entry);
    }
    pump();
  }

  private void pump() {
    List<LogEntry> wave = new ArrayList<>();
    synchronized (this) {
      if (inFlight || queue.isEmpty()) {
        return;
      }
      inFlight = true;
      while (wave.size() < WAVE && !queue.isEmpty()) {
        wave.add(queue.pollFirst());
      }
    }
    List<CompletableFuture<Void>> results = new ArrayList<>(wave.size());
    try {
      for (LogEntry entry : wave) {
        results.add(
            writer
                .write(entry)
                .whenComplete(
                    (ok, error) -> {
                      if (error == null) {
                        written.incrementAndGet();
                      } else {
                        rejected(entry, error);
                      }
                    }));
      }
      writer.dispatch();
    } catch (RuntimeException e) {
      results.add(CompletableFuture.failedFuture(e));
      LOG.warn("Forwarding a wave of log lines failed: {}", Messages.firstLine(e));
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .whenComplete(
            (ok, error) -> {
              synchronized (this) {
                inFlight = false;
                notifyAll();
              }
              pump();
            });
  }

  private void rejected(LogEntry entry, Throwable error) {
    long count = rejected.incrementAndGet();
    long now = clock.millis();
    synchronized (this) {
      if (lastRejectWarning != Long.MIN_VALUE && now - lastRejectWarning < WARN_EVERY_MILLIS) {
        return;
      }
      lastRejectWarning = now;
    }
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    LOG.warn(
        "The Prefect API did not take a forwarded log line of flow run {} ({}); {} line(s) lost"
            + " so far",
        entry.flowRunId(),
        Messages.firstLine(cause),
        count);
  }

  /** Waits up to {@code timeout} until every queued line was sent; returns whether it was. */
  boolean awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (inFlight || !queue.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  long offered() {
    return offered.get();
  }

  long written() {
    return written.get();
  }

  long dropped() {
    return dropped.get();
  }

  long rejected() {
    return rejected.get();
  }

  synchronized int waiting() {
    return queue.size();
  }
}
