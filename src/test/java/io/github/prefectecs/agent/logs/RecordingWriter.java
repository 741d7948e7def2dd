package io.github.prefectecs.agent.logs;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.RunLogMatch;
import io.github.prefectecs.agent.prefect.RunLogRow;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RunLogWriter} that records lines as the server's {@code log} table would, and answers
 * the forwarder's {@code log} queries over them as Hasura does (so restarts resume from what was
 * written). While "down" it holds lines (futures pending) until brought up again; once "killed" it
 * forgets what it holds and never answers them (a process killed with lines in memory).
 * Thread-safe.
 */
final class RecordingWriter extends UnusedPrefectApi implements RunLogWriter {
  private final List<LogEntry> written = new ArrayList<>();
  private final List<Pending> held = new ArrayList<>();
  private boolean down;
  private boolean dead;
  private int loseAnswers;
  private int failUnwritten;

  private record Pending(LogEntry entry, CompletableFuture<Void> done) {}

  @Override
  public synchronized CompletableFuture<Void> write(LogEntry entry) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (dead) {
      return done;
    }
    if (loseAnswers > 0 || failUnwritten > 0) {
      boolean wrote = loseAnswers > 0;
      if (wrote) {
        loseAnswers--;
        written.add(entry);
      } else {
        failUnwritten--;
      }
      done.completeExceptionally(
          new io.github.prefectecs.agent.prefect.PrefectApiException(
              io.github.prefectecs.agent.prefect.PrefectApiException.Kind.TRANSPORT,
              "write_run_logs: request failed: timeout"));
      return done;
    }
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

  /** The next {@code n} lines are written but their answer is lost (a retryable failure). */
  synchronized void loseAnswers(int n) {
    loseAnswers = n;
  }

  /** The next {@code n} lines fail retryably without being written. */
  synchronized void failUnwritten(int n) {
    failUnwritten = n;
  }

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

  /** Lets the first {@code n} held lines through and forgets the rest, as a killed process. */
  synchronized void killKeeping(int n) {
    for (int i = 0; i < Math.min(n, held.size()); i++) {
      written.add(held.get(i).entry());
    }
    held.clear();
    dead = true;
  }

  /** A new process: writes go through again, what was written stays. */
  synchronized RecordingWriter restarted() {
    RecordingWriter next = new RecordingWriter();
    next.written.addAll(written);
    return next;
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

  // ---- the log table's queries ----

  private static boolean contains(JsonNode info, JsonNode part) {
    if (info == null) {
      return false;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = part.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (!f.getValue().equals(info.get(f.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(LogEntry e, String name, RunLogMatch m) {
    return e.name().equals(name)
        && e.flowRunId().equals(m.flowRunId())
        && contains(e.info(), m.infoContains())
        && (m.since() == null || !e.timestamp().isBefore(m.since()));
  }

  private static RunLogRow row(int index, LogEntry e) {
    return new RunLogRow(
        String.format("%08d", index), e.flowRunId(), e.timestamp(), e.level(), e.info());
  }

  @Override
  public synchronized List<RunLogRow> latestRunLogs(String loggerName, List<RunLogMatch> matches) {
    Map<String, RunLogRow> newest = new LinkedHashMap<>();
    for (int i = 0; i < written.size(); i++) {
      LogEntry e = written.get(i);
      for (RunLogMatch m : matches) {
        if (matches(e, loggerName, m)) {
          RunLogRow row = row(i, e);
          newest.merge(m.flowRunId(), row, (a, b) -> b.timestamp().isAfter(a.timestamp()) ? b : a);
        }
      }
    }
    return List.copyOf(newest.values());
  }

  @Override
  public synchronized List<RunLogRow> runLogs(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    List<RunLogRow> rows = new ArrayList<>();
    for (int i = 0; i < written.size(); i++) {
      LogEntry e = written.get(i);
      int index = i;
      if (matches.stream().anyMatch(m -> matches(e, loggerName, m))) {
        rows.add(row(index, e));
      }
    }
    rows.sort(Comparator.comparing(RunLogRow::timestamp).thenComparing(RunLogRow::id));
    return rows.subList(Math.min(offset, rows.size()), Math.min(rows.size(), offset + limit));
  }
}
