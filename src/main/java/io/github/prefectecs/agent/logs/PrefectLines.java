package io.github.prefectecs.agent.logs;

import java.util.regex.Pattern;

/**
 * Recognises the lines a flow's own Prefect 1.x logger printed (and therefore already sent to the
 * Prefect API): {@code [YYYY-MM-DD HH:MM:SS,mmm] LEVEL - prefect... | message}, and the indented or
 * traceback lines that continue such a record.
 *
 * <p>Not thread-safe: one instance per stream, since a continuation depends on the line before.
 */
final class PrefectLines {
  private static final Pattern RECORD =
      Pattern.compile(
          "^\\[\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[,.]\\d+)?(?:[+-]\\d{2}:?\\d{2}|Z)?\\]"
              + " (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) - prefect(?:\\.[^|]*)? \\| ");
  private boolean inRecord;

  /** Whether {@code line} is (part of) a record the flow's Prefect logger already sent. */
  boolean alreadySent(String line) {
    if (RECORD.matcher(line).find()) {
      inRecord = true;
      return true;
    }
    boolean continuation =
        inRecord
            && !line.isEmpty()
            && (Character.isWhitespace(line.charAt(0))
                || line.startsWith("Traceback (most recent call last)"));
    inRecord = continuation;
    return continuation;
  }
}
