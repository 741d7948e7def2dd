package io.github.prefectecs.agent.logs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * An in-memory CloudWatch Logs: groups of streams of events, FilterLogEvents sorted by timestamp
 * and paginated ({@code pageSize} events a page), with injectable throttling and failures and a
 * count of calls. Thread-safe.
 */
final class FakeLogsApi implements LogsApi {
  private final Map<String, Map<String, List<LogEvent>>> groups = new HashMap<>();
  private final Set<String> deniedGroups = new HashSet<>();
  private final int pageSize;
  private final LongSupplier clock;
  private final AtomicInteger nextId = new AtomicInteger();
  private int throttleNext;
  private int failNext;
  private int filterCalls;
  private int maxStreamsSeen;
  private final List<Long> callTimes = new ArrayList<>();

  FakeLogsApi(int pageSize, LongSupplier clock) {
    this.pageSize = pageSize;
    this.clock = clock;
  }

  /** Writes a line (as PutLogEvents would) and returns the event. */
  synchronized LogEvent put(String group, String stream, long timestamp, String message) {
    LogEvent event =
        new LogEvent(
            String.format("%012d", nextId.incrementAndGet()),
            stream,
            timestamp,
            clock.getAsLong(),
            message);
    groups
        .computeIfAbsent(group, g -> new HashMap<>())
        .computeIfAbsent(stream, s -> new ArrayList<>())
        .add(event);
    return event;
  }

  synchronized void throttleNext(int calls) {
    throttleNext = calls;
  }

  synchronized void failNext(int calls) {
    failNext = calls;
  }

  synchronized void deny(String group) {
    deniedGroups.add(group);
  }

  synchronized int filterCalls() {
    return filterCalls;
  }

  synchronized int maxStreamsSeen() {
    return maxStreamsSeen;
  }

  synchronized boolean hasGroup(String group) {
    return groups.containsKey(group);
  }

  @Override
  public synchronized FilterPage filter(
      String group, List<String> streams, long startTimeMillis, String nextToken) {
    filterCalls++;
    callTimes.add(clock.getAsLong());
    maxStreamsSeen = Math.max(maxStreamsSeen, streams.size());
    if (streams.isEmpty() || streams.size() > MAX_STREAMS_PER_CALL) {
      throw new IllegalArgumentException("streams: " + streams.size());
    }
    if (throttleNext > 0) {
      throttleNext--;
      throw new LogsException(LogsException.Kind.THROTTLED, "Rate exceeded", null);
    }
    if (failNext > 0) {
      failNext--;
      throw new LogsException(LogsException.Kind.TRANSIENT, "connection reset", null);
    }
    Map<String, List<LogEvent>> byStream = groups.get(group);
    if (byStream == null) {
      throw new LogsException(LogsException.Kind.NOT_FOUND, "no group " + group, null);
    }
    List<LogEvent> matching = new ArrayList<>();
    for (String stream : streams) {
      for (LogEvent event : byStream.getOrDefault(stream, List.of())) {
        if (event.timestamp() >= startTimeMillis) {
          matching.add(event);
        }
      }
    }
    matching.sort(Comparator.comparingLong(LogEvent::timestamp).thenComparing(LogEvent::eventId));
    int from = nextToken == null ? 0 : Integer.parseInt(nextToken);
    int to = Math.min(matching.size(), from + pageSize);
    return new FilterPage(
        matching.subList(from, to), to < matching.size() ? Integer.toString(to) : null);
  }

  @Override
  public synchronized boolean createGroup(String group) {
    if (deniedGroups.contains(group)) {
      throw new LogsException(LogsException.Kind.ACCESS_DENIED, "AccessDenied", null);
    }
    return groups.putIfAbsent(group, new HashMap<>()) == null;
  }

  @Override
  public void close() {}
}
