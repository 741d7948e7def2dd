package io.github.prefectecs.agent.logs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last lines of one stream, for the ERROR log of an abnormal stop: at most {@code lines} lines
 * and at most a number of characters given at each addition (the forwarder shares its memory budget
 * among the streams it follows), older lines going first and a line longer than {@link
 * StopEvidence#MAX_QUOTED_LINE} kept cut.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class Tail {
  private final int lines;
  private final ArrayDeque<String> kept = new ArrayDeque<>();
  private long chars;
  private boolean cut;

  Tail(int lines) {
    this.lines = lines;
  }

  void add(String line, long maxChars) {
    String quoted =
        line.length() <= StopEvidence.MAX_QUOTED_LINE
            ? line
            : line.substring(0, StopEvidence.MAX_QUOTED_LINE) + "...";
    if (quoted.length() > maxChars) {
      int keep = (int) Math.max(0, maxChars - 3);
      quoted = quoted.substring(0, keep) + "...";
      cut = true;
    }
    kept.addLast(quoted);
    chars += quoted.length();
    while (kept.size() > lines || (chars > maxChars && kept.size() > 1)) {
      chars -= kept.removeFirst().length();
    }
  }

  List<String> lines() {
    return new ArrayList<>(kept);
  }

  /** Whether a line had to be cut to fit the budget. */
  boolean wasCut() {
    return cut;
  }

  /** An estimate of the bytes held. */
  long bytes() {
    return 48 + chars + 40L * kept.size();
  }
}
