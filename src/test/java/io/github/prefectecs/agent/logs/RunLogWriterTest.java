package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.LogEntry;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RunLogWriterTest {

  @Test
  void countingWriterCountsWrittenLinesOnlyOnceWrittenAndDroppedLinesAsReported() {
    AtomicLong written = new AtomicLong();
    AtomicLong dropped = new AtomicLong();
    CompletableFuture<Void> pending = new CompletableFuture<>();
    RunLogWriter inner =
        new RunLogWriter() {
          @Override
          public CompletableFuture<Void> write(LogEntry entry) {
            return entry.message().equals("refused")
                ? CompletableFuture.failedFuture(new IllegalStateException("refused"))
                : entry.message().equals("pending")
                    ? pending
                    : CompletableFuture.completedFuture(null);
          }

          @Override
          public void dispatch() {}
        };
    RunLogWriter counting = RunLogWriter.counting(inner, written::addAndGet, dropped::addAndGet);

    counting.write(line("ok"));
    counting.write(line("refused"));
    counting.write(line("pending"));
    assertThat(written).hasValue(1);

    pending.complete(null);
    counting.dropped(3);

    assertThat(written).hasValue(2);
    assertThat(dropped).hasValue(3);
  }

  private static LogEntry line(String message) {
    return new LogEntry("run", "agent", "INFO", message, Instant.EPOCH);
  }
}
