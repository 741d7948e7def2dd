package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.LogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RunLogWriter} that records lines; while "down" it holds them (futures pending) until
 * brought up again. Thread-safe.
 */
final class RecordingWriter implements RunLogWriter {
  private final List<LogEntry> written = new ArrayList<>();
  private final List<Pending> held = new ArrayList<>();
  private boolean down;

  private record Pending(LogEntry entry, CompletableFuture<Void> done) {}

  @Override
  public synchronized CompletableFuture<Void> write(LogEntry entry) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (down) {
      held.add(new Pending(entry, done));
    } else {
      written.add(entry);
      done.complete(null);
    }
    return done;
  }

  @Override
  public void dispatch() {}

  synchronized void down() {
    down = true;
  }

  void up() {
    List<Pending> release;
    synchronized (this) {
      down = false;
      release = List.copyOf(held);
      held.clear();
      release.forEach(p -> written.add(p.entry()));
    }
    release.forEach(p -> p.done().complete(null));
  }

  synchronized List<LogEntry> written() {
    return List.copyOf(written);
  }

  synchronized List<String> messages(String flowRunId) {
    return written.stream()
        .filter(e -> e.flowRunId().equals(flowRunId))
        .map(LogEntry::message)
        .toList();
  }
}
