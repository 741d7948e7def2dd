package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.RunLogMatch;
import io.github.prefectecs.agent.prefect.RunLogRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link RunLogPositions} read from the Prefect server's {@code log} table in two batched queries
 * per {@value #STREAMS_PER_QUERY} streams: the newest forwarded row of each stream ({@code
 * distinct_on} the run), whose {@code resume_from} says where reading resumes, then every forwarded
 * row of those streams from there on ({@value #ROWS_PER_PAGE} a page), whose event ids are the
 * lines not to write again.
 *
 * <p>Thread-safe.
 */
final class PrefectRunLogPositions implements RunLogPositions {
  static final int STREAMS_PER_QUERY = 100;
  static final int ROWS_PER_PAGE = 1_000;

  private final PrefectApi api;
  private final String loggerName;

  PrefectRunLogPositions(PrefectApi api, String loggerName) {
    this.api = api;
    this.loggerName = loggerName;
  }

  @Override
  public Map<StreamKey, Position> find(Collection<StreamKey> streams) {
    Map<StreamKey, Position> found = new HashMap<>();
    for (List<StreamKey> chunk : chunks(streams)) {
      found.putAll(findChunk(chunk));
    }
    return found;
  }

  @Override
  public Set<Sent> alreadyWritten(List<Sent> sent) {
    Map<StreamKey, Instant> since = new LinkedHashMap<>();
    for (Sent s : sent) {
      since.merge(
          new StreamKey(s.flowRunId(), s.stream()), s.timestamp(), (a, b) -> a.isBefore(b) ? a : b);
    }
    Set<Sent> wanted = new HashSet<>(sent);
    Set<Sent> found = new HashSet<>();
    List<RunLogMatch> matches = new ArrayList<>();
    since.forEach(
        (key, from) ->
            matches.add(
                new RunLogMatch(key.flowRunId(), ForwardedInfo.ofStream(key.stream()), from)));
    for (int i = 0; i < matches.size(); i += STREAMS_PER_QUERY) {
      List<RunLogMatch> chunk = matches.subList(i, Math.min(matches.size(), i + STREAMS_PER_QUERY));
      for (int offset = 0; ; offset += ROWS_PER_PAGE) {
        List<RunLogRow> rows = api.runLogs(loggerName, chunk, offset, ROWS_PER_PAGE);
        for (RunLogRow row : rows) {
          String stream = ForwardedInfo.stream(row.info());
          if (stream == null) {
            continue;
          }
          String event =
              ForwardedInfo.isStop(row.info()) ? null : ForwardedInfo.eventId(row.info());
          Sent candidate = new Sent(row.flowRunId(), stream, event, row.timestamp());
          if (wanted.contains(candidate)) {
            found.add(candidate);
          }
        }
        if (rows.size() < ROWS_PER_PAGE) {
          break;
        }
      }
    }
    return found;
  }

  /** Chunks of at most {@link #STREAMS_PER_QUERY} streams, no run twice in one chunk. */
  static List<List<StreamKey>> chunks(Collection<StreamKey> streams) {
    List<List<StreamKey>> chunks = new ArrayList<>();
    List<Set<String>> runs = new ArrayList<>();
    for (StreamKey key : new LinkedHashSet<>(streams)) {
      int i = 0;
      while (i < chunks.size()
          && (chunks.get(i).size() >= STREAMS_PER_QUERY || runs.get(i).contains(key.flowRunId()))) {
        i++;
      }
      if (i == chunks.size()) {
        chunks.add(new ArrayList<>());
        runs.add(new HashSet<>());
      }
      chunks.get(i).add(key);
      runs.get(i).add(key.flowRunId());
    }
    return chunks;
  }

  private Map<StreamKey, Position> findChunk(List<StreamKey> chunk) {
    List<RunLogMatch> latest = new ArrayList<>();
    for (StreamKey key : chunk) {
      latest.add(new RunLogMatch(key.flowRunId(), ForwardedInfo.ofStream(key.stream()), null));
    }
    Map<StreamKey, Long> resume = new LinkedHashMap<>();
    for (RunLogRow row : api.latestRunLogs(loggerName, latest)) {
      String stream = ForwardedInfo.stream(row.info());
      if (stream == null) {
        continue;
      }
      long from = ForwardedInfo.resumeFrom(row.info());
      // A row without a resume point (written by hand?) resumes at its own timestamp.
      resume.put(
          new StreamKey(row.flowRunId(), stream),
          from == Long.MIN_VALUE ? row.timestamp().toEpochMilli() : from);
    }
    if (resume.isEmpty()) {
      return Map.of();
    }
    List<RunLogMatch> since = new ArrayList<>();
    resume.forEach(
        (key, from) ->
            since.add(
                new RunLogMatch(
                    key.flowRunId(),
                    ForwardedInfo.ofStream(key.stream()),
                    Instant.ofEpochMilli(from))));
    Map<StreamKey, List<Delivered>> delivered = new HashMap<>();
    Map<StreamKey, Instant> newest = new HashMap<>();
    Set<StreamKey> stopped = new HashSet<>();
    for (int offset = 0; ; offset += ROWS_PER_PAGE) {
      List<RunLogRow> rows = api.runLogs(loggerName, since, offset, ROWS_PER_PAGE);
      for (RunLogRow row : rows) {
        String stream = ForwardedInfo.stream(row.info());
        if (stream == null) {
          continue;
        }
        StreamKey key = new StreamKey(row.flowRunId(), stream);
        newest.merge(key, row.timestamp(), (a, b) -> a.isAfter(b) ? a : b);
        if (ForwardedInfo.isStop(row.info())) {
          stopped.add(key);
        }
        String event = ForwardedInfo.eventId(row.info());
        if (event != null) {
          delivered
              .computeIfAbsent(key, k -> new ArrayList<>())
              .add(new Delivered(event, row.timestamp().toEpochMilli()));
        }
      }
      if (rows.size() < ROWS_PER_PAGE) {
        break;
      }
    }
    Map<StreamKey, Position> positions = new HashMap<>();
    resume.forEach(
        (key, from) ->
            positions.put(
                key,
                new Position(
                    from,
                    delivered.getOrDefault(key, List.of()),
                    newest.get(key),
                    stopped.contains(key))));
    return positions;
  }
}
