package io.github.prefectecs.agent.logs;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The exact set of one stream's events already taken, for every event whose timestamp is at or
 * after a floor; events before the floor are not kept and count as taken. Kept in timestamp order
 * in flat arrays: CloudWatch event ids are decimal strings of up to 56 digits, which pack into
 * three longs, so an id costs 32 bytes instead of about 150 as a {@code String} in a hash set (at
 * 10,000 streams this is the difference between a few MiB and tens). Ids that are not decimal (an
 * emulator's choice) are kept as strings beside.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class SeenEvents {
  /** Bytes one decimal id takes here. */
  static final int BYTES_PER_ID = 32;

  private static final int SLOT = 4; // timestamp, then the id in three parts
  private static final int MIN_SLOTS = 4 * SLOT;
  private static final int MAX_DECIMAL_DIGITS = 56;
  private long[] slots = new long[0];
  private int start;
  private int end;
  private Map<String, Long> others;
  private long floor = Long.MIN_VALUE;

  /** Events before this timestamp are not remembered and count as already taken. */
  long floor() {
    return floor;
  }

  int size() {
    return (end - start) / SLOT + (others == null ? 0 : others.size());
  }

  /** What the set holds, in bytes (an estimate for the memory budget). */
  long bytes() {
    long decimal = (long) slots.length * Long.BYTES;
    long text = 0;
    if (others != null) {
      for (String id : others.keySet()) {
        text += 64 + id.length();
      }
    }
    return 48 + decimal + text;
  }

  /**
   * Takes the event if it is new: at or after the floor and not taken before. Returns whether it
   * was new.
   */
  boolean take(String eventId, long timestamp) {
    if (timestamp < floor) {
      return false;
    }
    long[] key = pack(eventId);
    if (key == null) {
      if (others == null) {
        others = new HashMap<>();
      }
      return others.putIfAbsent(eventId, timestamp) == null;
    }
    int at = lowerBound(timestamp);
    for (int i = at; i < end && slots[i] == timestamp; i += SLOT) {
      if (slots[i + 1] == key[0] && slots[i + 2] == key[1] && slots[i + 3] == key[2]) {
        return false;
      }
    }
    insert(at, timestamp, key);
    return true;
  }

  /** Whether the event was taken (or lies before the floor). */
  boolean contains(String eventId, long timestamp) {
    if (timestamp < floor) {
      return true;
    }
    long[] key = pack(eventId);
    if (key == null) {
      return others != null && others.containsKey(eventId);
    }
    for (int i = lowerBound(timestamp); i < end && slots[i] == timestamp; i += SLOT) {
      if (slots[i + 1] == key[0] && slots[i + 2] == key[1] && slots[i + 3] == key[2]) {
        return true;
      }
    }
    return false;
  }

  /** Raises the floor to {@code timestamp} (never lowers it) and forgets the events before it. */
  void raiseFloor(long timestamp) {
    if (timestamp <= floor) {
      return;
    }
    floor = timestamp;
    start = lowerBound(timestamp);
    if (others != null) {
      others.values().removeIf(t -> t < timestamp);
    }
    if (start == end) {
      start = 0;
      end = 0;
    }
    int live = end - start;
    if (slots.length > MIN_SLOTS && live * 2 < slots.length) {
      // Give the memory back: the budget counts what the array holds, not what it uses.
      int length = Math.max(MIN_SLOTS, (live + live / 2 + SLOT - 1) / SLOT * SLOT);
      slots = Arrays.copyOfRange(slots, start, start + length);
      end = live;
      start = 0;
    }
  }

  /**
   * Forgets the older half of the events kept (raising the floor to the first event of the newer
   * half); returns the new floor. For the memory budget: later events before the floor are then
   * ignored, never taken twice.
   */
  long forgetOlderHalf() {
    int kept = (end - start) / SLOT;
    if (kept >= 2) {
      raiseFloor(slots[start + (kept / 2) * SLOT]);
    }
    if (others != null && others.size() >= 2) {
      long[] times = others.values().stream().mapToLong(Long::longValue).sorted().toArray();
      raiseFloor(times[times.length / 2]);
    }
    return floor;
  }

  /** The timestamp of the oldest event kept, or {@code Long.MAX_VALUE} when none. */
  long oldest() {
    long oldest = start < end ? slots[start] : Long.MAX_VALUE;
    if (others != null) {
      for (long t : others.values()) {
        oldest = Math.min(oldest, t);
      }
    }
    return oldest;
  }

  /** The first slot whose timestamp is at or after {@code timestamp}. */
  private int lowerBound(long timestamp) {
    int lo = start / SLOT;
    int hi = end / SLOT;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (slots[mid * SLOT] < timestamp) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo * SLOT;
  }

  private void insert(int at, long timestamp, long[] key) {
    // Events mostly come in timestamp order: the insertion point is nearly always the end.
    int i = at;
    while (i < end && slots[i] == timestamp) {
      i += SLOT;
    }
    if (end + SLOT > slots.length) {
      int live = end - start;
      long[] grown = new long[Math.max(MIN_SLOTS, (live + SLOT) * 2)];
      System.arraycopy(slots, start, grown, 0, live);
      i -= start;
      end = live;
      start = 0;
      slots = grown;
    }
    System.arraycopy(slots, i, slots, i + SLOT, end - i);
    slots[i] = timestamp;
    slots[i + 1] = key[0];
    slots[i + 2] = key[1];
    slots[i + 3] = key[2];
    end += SLOT;
  }

  /**
   * A decimal id of 1 to 56 digits as three longs (a leading 1 keeps its leading zeros apart), or
   * null for any other id.
   */
  static long[] pack(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_DECIMAL_DIGITS) {
      return null;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    String digits = "1" + id; // at most 57 digits: three parts of at most 19
    long[] parts = new long[3];
    int cut = digits.length();
    for (int p = 2; p >= 0 && cut > 0; p--) {
      int from = Math.max(0, cut - 19);
      parts[p] = Long.parseUnsignedLong(digits, from, cut, 10);
      cut = from;
    }
    return parts;
  }
}
