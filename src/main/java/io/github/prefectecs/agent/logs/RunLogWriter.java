package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/** Where forwarded lines go: the agent's batched {@code write_run_logs}. Thread-safe. */
public interface RunLogWriter {

  /**
   * Queues one line; completes when it is written, or exceptionally: with a retryable {@link
   * io.github.prefectecs.agent.prefect.PrefectApiException} when it may or may not have been
   * written, with any other error when it is rejected for good.
   */
  CompletableFuture<Void> write(LogEntry entry);

  /** Sends what is queued now instead of waiting for the batching delay. */
  void dispatch();

  /** Hears that {@code lines} forwarded lines were refused for good (never written). */
  default void dropped(long lines) {}

  /**
   * {@code inner}, telling {@code written} of each line written and {@code dropped} of lines
   * dropped (the agent's metrics).
   */
  static RunLogWriter counting(RunLogWriter inner, LongConsumer written, LongConsumer dropped) {
    return new RunLogWriter() {
      @Override
      public CompletableFuture<Void> write(LogEntry entry) {
        return inner
            .write(entry)
            .whenComplete(
                (ok, error) -> {
                  if (error == null) {
                    written.accept(1);
                  }
                });
      }

      @Override
      public void dispatch() {
        inner.dispatch();
      }

      @Override
      public void dropped(long lines) {
        inner.dropped(lines);
        dropped.accept(lines);
      }
    };
  }

  /**
   * Writes through {@code batcher} (many runs per request), each request at most once: a line
   * failed with a retryable error may have been written, and is read back before it is sent again.
   */
  static RunLogWriter of(PrefectBatcher batcher) {
    return new RunLogWriter() {
      @Override
      public CompletableFuture<Void> write(LogEntry entry) {
        return batcher.writeLogOnce(entry);
      }

      @Override
      public void dispatch() {
        batcher.dispatchNow();
      }
    };
  }
}
