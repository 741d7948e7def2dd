package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import java.util.concurrent.CompletableFuture;

/** Where forwarded lines go: the agent's batched {@code write_run_logs}. Thread-safe. */
public interface RunLogWriter {

  /**
   * Queues one line; completes when it is written, or exceptionally when it is rejected for good.
   */
  CompletableFuture<Void> write(LogEntry entry);

  /** Sends what is queued now instead of waiting for the batching delay. */
  void dispatch();

  /** Writes through {@code batcher} (many runs per request). */
  static RunLogWriter of(PrefectBatcher batcher) {
    return new RunLogWriter() {
      @Override
      public CompletableFuture<Void> write(LogEntry entry) {
        return batcher.writeLog(entry);
      }

      @Override
      public void dispatch() {
        batcher.dispatchNow();
      }
    };
  }
}
