package io.github.prefectecs.agent.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration and in a run's environment: a number of seconds
 * ({@code 7200}, {@code 90.5}), or amounts with units ({@code 45s}, {@code 30m}, {@code 2h}, {@code
 * 1d}, {@code 1h30m}); {@code 0}, {@code off} and {@code none} mean no duration. Stateless.
 */
public final class DurationText {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(d|h|m|min|s|sec)");
  private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

  /** How to write one, for the fix of an error message. */
  public static final String EXAMPLES = "e.g. 7200 (seconds), 90m, 2h or 1h30m";

  private DurationText() {}

  /**
   * The duration {@code text} names; {@link Duration#ZERO} for {@code 0}, {@code off} or {@code
   * none}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (t.equals("off") || t.equals("none")) {
      return Duration.ZERO;
    }
    if (NUMBER.matcher(t).matches()) {
      return seconds(Double.parseDouble(t));
    }
    Matcher m = PART.matcher(t.replace(" ", ""));
    double total = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      double amount = Double.parseDouble(m.group(1));
      total +=
          switch (m.group(2)) {
            case "d" -> amount * 86_400;
            case "h" -> amount * 3_600;
            case "m", "min" -> amount * 60;
            default -> amount;
          };
      end = m.end();
    }
    if (end == 0 || end != t.replace(" ", "").length()) {
      throw new IllegalArgumentException("not a duration: \"" + text.strip() + "\"");
    }
    return seconds(total);
  }

  /** {@code seconds} as a duration (to the millisecond). */
  public static Duration seconds(double seconds) {
    if (!(seconds >= 0) || seconds > 100L * 365 * 86_400) {
      throw new IllegalArgumentException("not a duration: " + seconds + " s");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }
}
