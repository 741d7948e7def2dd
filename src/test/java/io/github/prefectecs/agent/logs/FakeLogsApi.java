package io.github.prefectecs.agent.logs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * An in-memory CloudWatch Logs. FilterLogEvents reads named streams or a stream prefix between two
 * timestamps, events ordered by timestamp across streams, {@code pageSize} a page, with a token
 * that resumes after the last event returned. An event is visible once its ingestion time has come
 * (events may be received late). With {@link Semantics#CLOUDWATCH} a read naming a stream that does
 * not exist is refused whole ({@code ResourceNotFoundException}), as CloudWatch does; with {@link
 * Semantics#EMULATOR} the name is ignored, as moto does. Groups can be denied, calls throttled or
 * failed. Thread-safe.
 */
final class FakeLogsApi implements LogsApi {

  /** How a read naming a missing stream is answered. */
  enum Semantics {
    /** Refused whole, as CloudWatch does. */
    CLOUDWATCH,
    /** The missing name is ignored, as moto does. */
    EMULATOR
  }

  private static final Comparator<LogEvent> ORDER =
      Comparator.comparingLong(LogEvent::timestamp).thenComparing(LogEvent::eventId);

  private final Map<String, TreeMap<String, List<LogEvent>>> groups = new HashMap<>();
  private final Set<String> deniedGroups = new HashSet<>();
  private final Set<String> deniedCreate = new HashSet<>();
  private final int pageSize;
  private final LongSupplier clock;
  private Semantics semantics = Semantics.CLOUDWATCH;
  private long nextId;
  private int throttleNext;
  private int failNext;
  private int filterCalls;
  private int prefixCalls;
  private int refusedCalls;
  private int maxStreamsSeen;
  private final Map<String, Integer> callsNaming = new HashMap<>();
  private double foreignPerMilli;

  FakeLogsApi(int pageSize, LongSupplier clock) {
    this.pageSize = pageSize;
    this.clock = clock;
  }

  synchronized FakeLogsApi semantics(Semantics semantics) {
    this.semantics = semantics;
    return this;
  }

  /** Creates a stream (as the awslogs driver does when its container starts). */
  synchronized void createStream(String group, String stream) {
    groups
        .computeIfAbsent(group, g -> new TreeMap<>())
        .computeIfAbsent(stream, s -> new ArrayList<>());
  }

  /** Writes a line received now (creating its stream) and returns the event. */
  synchronized LogEvent put(String group, String stream, long timestamp, String message) {
    return put(group, stream, timestamp, message, clock.getAsLong());
  }

  /** Writes a line that CloudWatch receives at {@code ingestedAt} (visible from then on). */
  synchronized LogEvent put(
      String group, String stream, long timestamp, String message, long ingestedAt) {
    // Decimal ids of CloudWatch's length: the forwarder packs them.
    LogEvent event =
        new LogEvent(String.format("3%055d", ++nextId), stream, timestamp, ingestedAt, message);
    List<LogEvent> events =
        groups
            .computeIfAbsent(group, g -> new TreeMap<>())
            .computeIfAbsent(stream, s -> new ArrayList<>());
    int at = events.size();
    while (at > 0 && ORDER.compare(events.get(at - 1), event) > 0) {
      at--;
    }
    events.add(at, event);
    return event;
  }

  /**
   * Every prefix read also returns this many events a second of window from streams nobody here
   * follows (other agents' tasks under the same prefix), as placeholders: they cost pages only.
   */
  synchronized void foreignEventsPerSecond(double perSecond) {
    foreignPerMilli = perSecond / 1000;
  }

  synchronized void throttleNext(int calls) {
    throttleNext = calls;
  }

  synchronized void failNext(int calls) {
    failNext = calls;
  }

  /** FilterLogEvents on {@code group} answers AccessDeniedException. */
  synchronized void deny(String group) {
    deniedGroups.add(group);
  }

  synchronized void allow(String group) {
    deniedGroups.remove(group);
  }

  /** CreateLogGroup of {@code group} answers AccessDeniedException. */
  synchronized void denyCreate(String group) {
    deniedCreate.add(group);
  }

  synchronized int filterCalls() {
    return filterCalls;
  }

  synchronized int prefixCalls() {
    return prefixCalls;
  }

  /** Calls refused because a named stream did not exist. */
  synchronized int refusedCalls() {
    return refusedCalls;
  }

  synchronized int maxStreamsSeen() {
    return maxStreamsSeen;
  }

  /** Reads that named {@code stream}. */
  synchronized int callsNaming(String stream) {
    return callsNaming.getOrDefault(stream, 0);
  }

  synchronized boolean hasGroup(String group) {
    return groups.containsKey(group);
  }

  @Override
  public synchronized FilterPage filter(FilterQuery query, String nextToken) {
    filterCalls++;
    if (query.isPrefixRead()) {
      prefixCalls++;
    }
    maxStreamsSeen = Math.max(maxStreamsSeen, query.streams().size());
    query.streams().forEach(s -> callsNaming.merge(s, 1, Integer::sum));
    if (throttleNext > 0) {
      throttleNext--;
      throw new LogsException(LogsException.Kind.THROTTLED, "Rate exceeded", null);
    }
    if (failNext > 0) {
      failNext--;
      throw new LogsException(LogsException.Kind.TRANSIENT, "connection reset", null);
    }
    if (deniedGroups.contains(query.group())) {
      throw new LogsException(
          LogsException.Kind.ACCESS_DENIED,
          "CloudWatch Logs FilterLogEvents on log group "
              + query.group()
              + ": access denied: User is not authorized to perform: logs:FilterLogEvents",
          null);
    }
    TreeMap<String, List<LogEvent>> byStream = groups.get(query.group());
    if (byStream == null) {
      throw new LogsException(
          LogsException.Kind.NOT_FOUND, "The specified log group does not exist.", null);
    }
    List<List<LogEvent>> sources = new ArrayList<>();
    if (query.isPrefixRead()) {
      byStream
          .subMap(query.streamPrefix(), query.streamPrefix() + Character.MAX_VALUE)
          .values()
          .forEach(sources::add);
    } else {
      for (String stream : query.streams()) {
        List<LogEvent> events = byStream.get(stream);
        if (events == null && semantics == Semantics.CLOUDWATCH) {
          refusedCalls++;
          throw new LogsException(
              LogsException.Kind.STREAM_NOT_FOUND,
              "The specified log stream does not exist.",
              null);
        }
        if (events != null) {
          sources.add(events);
        }
      }
    }
    long now = clock.getAsLong();
    boolean foreign = query.isPrefixRead() && foreignPerMilli > 0;
    LogEvent after = nextToken == null || foreign ? null : token(nextToken);
    List<LogEvent> matching = new ArrayList<>();
    for (List<LogEvent> events : sources) {
      for (int i = firstAtOrAfter(events, query.startTime()); i < events.size(); i++) {
        LogEvent event = events.get(i);
        if (event.timestamp() > query.endTime()) {
          break;
        }
        if (event.ingestionTime() <= now && (after == null || ORDER.compare(event, after) > 0)) {
          matching.add(event);
        }
      }
    }
    matching.sort(ORDER);
    if (foreign) {
      return foreignPage(query, matching, nextToken);
    }
    if (matching.size() <= pageSize) {
      return new FilterPage(matching, null);
    }
    List<LogEvent> page = matching.subList(0, pageSize);
    LogEvent last = page.get(page.size() - 1);
    return new FilterPage(page, last.timestamp() + "/" + last.eventId());
  }

  /** A page of the read's events behind {@code foreign} placeholders, by offset. */
  private FilterPage foreignPage(FilterQuery query, List<LogEvent> matching, String nextToken) {
    long window = query.endTime() - query.startTime() + 1;
    int foreign = (int) Math.min(Integer.MAX_VALUE / 2, Math.round(foreignPerMilli * window));
    LogEvent placeholder =
        new LogEvent("0", "other-agent/flow/x", query.startTime(), 0, "another agent's line");
    int from = nextToken == null ? 0 : Integer.parseInt(nextToken.substring(2));
    int total = foreign + matching.size();
    int to = Math.min(total, from + pageSize);
    List<LogEvent> page = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      page.add(i < foreign ? placeholder : matching.get(i - foreign));
    }
    return new FilterPage(page, to < total ? "i:" + to : null);
  }

  private static LogEvent token(String token) {
    int slash = token.indexOf('/');
    return new LogEvent(
        token.substring(slash + 1), "", Long.parseLong(token.substring(0, slash)), 0, "");
  }

  private static int firstAtOrAfter(List<LogEvent> events, long timestamp) {
    int lo = 0;
    int hi = events.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (events.get(mid).timestamp() < timestamp) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public synchronized boolean createGroup(String group) {
    if (deniedCreate.contains(group)) {
      throw new LogsException(LogsException.Kind.ACCESS_DENIED, "AccessDenied", null);
    }
    return groups.putIfAbsent(group, new TreeMap<>()) == null;
  }

  @Override
  public void close() {}
}
