package io.github.prefectecs.agent.logs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which FilterLogEvents reads one sweep makes, stream source by stream source (a log group and a
 * stream prefix). Pure: decides from the streams' windows and the measured volume of each source.
 *
 * <ul>
 *   <li>Streams known to exist are read by name, at most 100 a call, grouped by where their windows
 *       start (sorted), so a stream that fell behind never drags a current one back: a call starts
 *       at the earliest window of its members and events before a member's own window are dropped.
 *   <li>Streams not known to exist (a task still starting, a quiet one) are never named next to
 *       others: CloudWatch refuses a whole call naming one missing stream. They are read with one
 *       read of the source's stream prefix, which no missing stream can fail; its first event makes
 *       a stream known. When that prefix read is due anyway, it also covers the known streams whose
 *       windows it spans, so they are not read twice. It is skipped while its measured cost (pages
 *       for the source's whole volume) would exceed the reads by name it replaces by more than a
 *       quarter of the quota.
 *   <li>With no unknown stream, a source is read by prefix instead of by name when its measured
 *       volume makes that the fewer calls (many quiet streams, few events).
 *   <li>A stream not known to exist whose window is far back (adopted after a long stop of the
 *       agent), or any while the prefix read waits, is probed by name: the oldest first (the
 *       likeliest to exist), in groups that halve as refusals say a name is missing, a lone missing
 *       one again after a backoff, at most three probes a source and sweep.
 * </ul>
 */
final class ReadPlan {
  /** Windows older than the look-back plus this are behind, not current. */
  static final long BEHIND_MILLIS = 120_000;

  /**
   * At least this many probes by name of unknown streams per source and sweep (more, a quarter of
   * the reads by name, where there are many).
   */
  static final int PROBES_PER_SOURCE = 3;

  /** Pages a prefix read may take beyond the reads by name it replaces, to find new streams. */
  static final int DISCOVERY_PAGES = 2;

  /** A source's volume is measured again by a prefix read after this long. */
  static final long REMEASURE_MILLIS = 300_000;

  /** What a read is for. */
  enum Kind {
    /** Every stream of the source by its prefix. */
    PREFIX,
    /** Streams known to exist, by name. */
    NAMED,
    /** Streams not known to exist, by name, to learn whether they do. */
    PROBE
  }

  /**
   * One read.
   *
   * @param members the streams it covers (those a prefix read may advance)
   * @param start the earliest event timestamp it reads
   * @param maxPages the most pages it may read (a prefix read is cut short beyond)
   */
  record Read(
      Kind kind, String group, String prefix, List<StreamState> members, long start, int maxPages) {
    Read {
      members = List.copyOf(members);
    }

    /** A read of every page. */
    Read(Kind kind, String group, String prefix, List<StreamState> members, long start) {
      this(kind, group, prefix, members, start, Integer.MAX_VALUE);
    }

    List<String> streams() {
      return members.stream().map(StreamState::stream).toList();
    }
  }

  /**
   * Unknown streams of one source to probe by name, oldest first, with at most {@code budget}
   * calls.
   */
  record ProbeSet(
      String source, String group, String prefix, List<StreamState> oldestFirst, int budget) {
    ProbeSet {
      oldestFirst = List.copyOf(oldestFirst);
    }
  }

  /** A sweep's reads (prefix reads first, then by name oldest window first) and probes. */
  record Plan(List<Read> reads, List<ProbeSet> probes) {}

  private ReadPlan() {}

  /** The key of a source: its group and stream prefix. */
  static String sourceKey(StreamSource source) {
    return source.group() + "\n" + prefixOf(source);
  }

  static String prefixOf(StreamSource source) {
    return source.prefix() + "/" + source.container() + "/";
  }

  /**
   * The reads of one sweep.
   *
   * @param streams the located, positioned, readable streams of groups that may be read now
   * @param volumes the measured volume of each source (by {@link #sourceKey})
   */
  static Plan of(
      Collection<StreamState> streams,
      long now,
      long lookBackMillis,
      Map<String, SourceVolume> volumes) {
    Map<String, List<StreamState>> bySource = new LinkedHashMap<>();
    for (StreamState s : streams) {
      bySource.computeIfAbsent(sourceKey(s.source()), k -> new ArrayList<>()).add(s);
    }
    List<Read> prefixReads = new ArrayList<>();
    List<Read> namedReads = new ArrayList<>();
    List<ProbeSet> probes = new ArrayList<>();
    long behind = now - lookBackMillis - BEHIND_MILLIS;
    for (Map.Entry<String, List<StreamState>> source : bySource.entrySet()) {
      List<StreamState> current = new ArrayList<>();
      List<StreamState> lagging = new ArrayList<>();
      List<StreamState> unknown = new ArrayList<>();
      List<StreamState> unknownBehind = new ArrayList<>();
      for (StreamState s : source.getValue()) {
        boolean isBehind = s.windowStart() < behind;
        if (s.isKnown()) {
          (isBehind ? lagging : current).add(s);
        } else {
          (isBehind ? unknownBehind : unknown).add(s);
        }
      }
      StreamSource any = source.getValue().get(0).source();
      String group = any.group();
      String prefix = prefixOf(any);
      SourceVolume volume = volumes.getOrDefault(source.getKey(), SourceVolume.UNMEASURED);
      int namedCalls = chunks(current.size());
      // A prefix read may cost what the reads by name it replaces cost, and a little more while it
      // is the way to learn of new streams; one that goes beyond is cut short, and its volume
      // measured, so that the source is read by name (and probed) until a new measure.
      int cap = Math.max(1, namedCalls + (unknown.isEmpty() ? 0 : DISCOVERY_PAGES));
      boolean prefixRead;
      if (unknown.isEmpty() && current.isEmpty()) {
        prefixRead = false;
      } else if (!volume.measured() || now - volume.lastPrefixRead() >= REMEASURE_MILLIS) {
        prefixRead = true;
      } else {
        double pages = volume.pages(now - minStart(unknown, current));
        prefixRead = unknown.isEmpty() ? pages < namedCalls : pages <= cap;
      }
      if (prefixRead) {
        List<StreamState> members = new ArrayList<>(unknown);
        members.addAll(current);
        prefixReads.add(
            new Read(Kind.PREFIX, group, prefix, members, minStart(members, List.of()), cap));
      } else {
        namedReads.addAll(named(Kind.NAMED, group, prefix, current));
        // The prefix read waits: learn by name which of the oldest unknown streams exist.
        unknownBehind.addAll(unknown);
      }
      List<Read> laggingReads = named(Kind.NAMED, group, prefix, lagging);
      namedReads.addAll(laggingReads);
      List<StreamState> due = new ArrayList<>();
      for (StreamState s : unknownBehind) {
        if (s.probeDue(now)) {
          due.add(s);
        }
      }
      if (!due.isEmpty()) {
        due.sort(Comparator.comparingLong(StreamState::windowStart));
        int budget =
            Math.max(PROBES_PER_SOURCE, (prefixRead ? 0 : namedCalls + laggingReads.size()) / 4);
        probes.add(new ProbeSet(source.getKey(), group, prefix, due, budget));
      }
    }
    namedReads.sort(Comparator.comparingLong(Read::start));
    List<Read> reads = new ArrayList<>(prefixReads);
    reads.addAll(namedReads);
    return new Plan(reads, probes);
  }

  private static int chunks(int streams) {
    return (streams + LogsApi.MAX_STREAMS_PER_CALL - 1) / LogsApi.MAX_STREAMS_PER_CALL;
  }

  private static long minStart(List<StreamState> a, List<StreamState> b) {
    long min = Long.MAX_VALUE;
    for (StreamState s : a) {
      min = Math.min(min, s.windowStart());
    }
    for (StreamState s : b) {
      min = Math.min(min, s.windowStart());
    }
    return min;
  }

  /** Streams sorted by window, 100 a call: each call starts at its earliest member's window. */
  private static List<Read> named(Kind kind, String group, String prefix, List<StreamState> all) {
    List<StreamState> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingLong(StreamState::windowStart));
    List<Read> reads = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i += LogsApi.MAX_STREAMS_PER_CALL) {
      List<StreamState> chunk =
          sorted.subList(i, Math.min(sorted.size(), i + LogsApi.MAX_STREAMS_PER_CALL));
      reads.add(new Read(kind, group, prefix, chunk, chunk.get(0).windowStart()));
    }
    return reads;
  }
}
