package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.support.Messages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwarded lines on their way to the Prefect writer, bounded in bytes. Lines go out in waves of up
 * to {@link #WAVE} (one {@code write_run_logs} request or a few, many runs); the next wave leaves
 * only when every line of the previous one is written or refused for good, so a stream's lines
 * reach the API in the order they were read. Each line's {@code info} carries its stream, event id
 * and a resume point: the resume point of the first line of that stream in the same wave, before
 * every line of the stream not yet written (see {@link RunLogPositions}).
 *
 * <p>It never drops a line: when it holds half its capacity, {@link #hasRoom()} turns false and the
 * forwarder stops reading until the API has taken lines (CloudWatch keeps them meanwhile). Lines
 * failed with a retryable error (the batcher's buffer full, shut down) go back to the head of the
 * queue; lines the API refuses for good (a run deleted) are counted, one WARN a minute.
 *
 * <p>Thread-safe.
 */
final class RunLogOutbox {
  private static final Logger LOG = LoggerFactory.getLogger(RunLogOutbox.class);
  static final int WAVE = 1_000;
  private static final long WARN_EVERY_MILLIS = 60_000;
  private static final long RETRY_AFTER_MILLIS = 500;
  private static final long VERIFY_AFTER_MILLIS = 2_000;

  /** What a line is. */
  enum Kind {
    /** A line of the task's output. */
    OUTPUT,
    /** The ERROR log of an abnormal stop. */
    STOP,
    /** A notice to the run (its output cannot be read); not part of the stream's position. */
    NOTICE
  }

  /**
   * One line to write.
   *
   * @param stream its CloudWatch stream
   * @param eventId its event id; null unless an output line
   * @param resumeFrom the stream's resume point when the line was taken
   */
  record Line(
      Kind kind,
      String flowRunId,
      String loggerName,
      String level,
      String message,
      Instant timestamp,
      String stream,
      String eventId,
      long resumeFrom) {
    /** An estimate of the heap the line takes while it waits. */
    long bytes() {
      return 160L + 2L * message.length();
    }
  }

  private final RunLogWriter writer;
  private final RunLogPositions positions;
  private final long capacityBytes;
  private final Clock clock;
  private final ArrayDeque<Line> queue = new ArrayDeque<>();
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong requeued = new AtomicLong();
  private final AtomicLong verified = new AtomicLong();
  private long bytes;
  private int inFlight;
  private boolean sending;
  private boolean closed;
  private long lastRejectWarning = Long.MIN_VALUE;

  RunLogOutbox(RunLogWriter writer, RunLogPositions positions, long capacityBytes, Clock clock) {
    this.writer = writer;
    this.positions = positions;
    this.capacityBytes = capacityBytes;
    this.clock = clock;
  }

  /** Queues a line and sends a wave if none is in flight. */
  void offer(Line line) {
    offered.incrementAndGet();
    synchronized (this) {
      queue.addLast(line);
      bytes += line.bytes();
    }
    pump();
  }

  /** Whether reading may go on: less than half the capacity is held (a page fits in the rest). */
  synchronized boolean hasRoom() {
    return bytes < capacityBytes / 2;
  }

  private void pump() {
    List<Line> wave = new ArrayList<>();
    synchronized (this) {
      if (sending || queue.isEmpty() || closed) {
        return;
      }
      sending = true;
      while (wave.size() < WAVE && !queue.isEmpty()) {
        wave.add(queue.pollFirst());
      }
      inFlight = wave.size();
    }
    Map<String, Long> resume = new HashMap<>();
    boolean[] again = new boolean[wave.size()];
    List<CompletableFuture<Void>> results = new ArrayList<>(wave.size());
    int sent = 0;
    try {
      for (Line line : wave) {
        int index = sent;
        long from =
            line.kind() == Kind.NOTICE
                ? line.resumeFrom()
                : resume.computeIfAbsent(
                    line.flowRunId() + " " + line.stream(), k -> line.resumeFrom());
        results.add(
            writer
                .write(entry(line, from))
                .handle(
                    (ok, error) -> {
                      if (error == null) {
                        written.incrementAndGet();
                      } else if (retryable(error)) {
                        again[index] = true;
                      } else {
                        rejected(line, error);
                      }
                      return null;
                    }));
        sent++;
      }
      writer.dispatch();
    } catch (RuntimeException e) {
      LOG.warn("Forwarding a wave of log lines failed: {}", Messages.firstLine(e));
      for (int i = sent; i < again.length; i++) {
        again[i] = true;
      }
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .whenComplete((ok, error) -> waveDone(wave, again));
  }

  private void waveDone(List<Line> wave, boolean[] again) {
    boolean uncertain = false;
    for (boolean a : again) {
      uncertain |= a;
    }
    if (!uncertain) {
      settle(wave, again);
      return;
    }
    // Some lines failed in a way that says nothing of whether the server wrote them (an answer
    // lost, a time-out): read the run logs back before sending any of them again. A write the
    // server is still busy with is given a moment to land first.
    later(VERIFY_AFTER_MILLIS, () -> verify(wave, again, 0));
  }

  private void verify(List<Line> wave, boolean[] again, int failures) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    List<RunLogPositions.Sent> doubtful = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < wave.size(); i++) {
      Line line = wave.get(i);
      if (again[i] && line.kind() != Kind.NOTICE) {
        doubtful.add(
            new RunLogPositions.Sent(
                line.flowRunId(), line.stream(), line.eventId(), line.timestamp()));
        at.add(i);
      }
    }
    Set<RunLogPositions.Sent> found;
    try {
      found = doubtful.isEmpty() ? Set.of() : positions.alreadyWritten(doubtful);
    } catch (RuntimeException e) {
      long delay = Math.min(30_000, VERIFY_AFTER_MILLIS << Math.min(failures, 4));
      LOG.warn(
          "Cannot read back whether {} forwarded line(s) reached the Prefect API ({}); trying"
              + " again in {} ms before sending them again",
          doubtful.size(),
          Messages.firstLine(e),
          delay);
      later(delay, () -> verify(wave, again, failures + 1));
      return;
    }
    for (int k = 0; k < doubtful.size(); k++) {
      if (found.contains(doubtful.get(k))) {
        again[at.get(k)] = false;
        written.incrementAndGet();
        verified.incrementAndGet();
      }
    }
    settle(wave, again);
  }

  /** Puts the lines still to send back at the head of the queue and sends the next wave. */
  private void settle(List<Line> wave, boolean[] again) {
    boolean retrying = false;
    synchronized (this) {
      for (int i = wave.size() - 1; i >= 0; i--) {
        Line line = wave.get(i);
        if (again[i]) {
          // Back to the head, in their order: the stream's order is kept.
          queue.addFirst(line);
          requeued.incrementAndGet();
          retrying = true;
        } else {
          bytes -= line.bytes();
        }
      }
      inFlight = 0;
      sending = false;
      notifyAll();
    }
    if (retrying) {
      // The writer refused for now (its buffer is full): try again in a moment, not at once.
      later(RETRY_AFTER_MILLIS, this::pump);
    } else {
      pump();
    }
  }

  private static void later(long millis, Runnable what) {
    CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(what);
  }

  private static LogEntry entry(Line line, long resumeFrom) {
    return new LogEntry(
        line.flowRunId(),
        line.loggerName(),
        line.level(),
        line.message(),
        line.timestamp(),
        switch (line.kind()) {
          case OUTPUT -> ForwardedInfo.line(line.stream(), line.eventId(), resumeFrom);
          case STOP -> ForwardedInfo.stop(line.stream(), resumeFrom);
          case NOTICE -> null;
        });
  }

  private static boolean retryable(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof PrefectApiException p && p.retryable();
  }

  private void rejected(Line line, Throwable error) {
    long count = rejected.incrementAndGet();
    writer.dropped(1);
    long now = clock.millis();
    synchronized (this) {
      if (lastRejectWarning != Long.MIN_VALUE && now - lastRejectWarning < WARN_EVERY_MILLIS) {
        return;
      }
      lastRejectWarning = now;
    }
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    LOG.warn(
        "The Prefect API refused a forwarded log line of flow run {} for good ({}); {} line(s)"
            + " refused so far",
        line.flowRunId(),
        Messages.firstLine(cause),
        count);
  }

  /** Waits up to {@code timeout} until every queued line was sent; returns whether it was. */
  boolean awaitEmpty(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (sending || !queue.isEmpty()) {
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

  /** Sends no more waves (the lines left are read again after a restart). */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  long offered() {
    return offered.get();
  }

  long written() {
    return written.get();
  }

  long rejected() {
    return rejected.get();
  }

  /** Lines whose write failed in doubt and that the run logs showed were written. */
  long verified() {
    return verified.get();
  }

  synchronized int waiting() {
    return queue.size() + inFlight;
  }

  synchronized long bytes() {
    return bytes;
  }
}
