package io.github.prefectecs.agent.support;

import java.time.Duration;

/** Durations as run logs show them to people: {@code 45 s}, {@code 14 min 3 s}, {@code 2 h}. */
public final class Durations {
  private Durations() {}

  /**
   * {@code d} in days, hours, minutes and seconds, leaving out zero parts and fractions of a second
   * ({@code 1 d 2 h}, {@code 14 min 3 s}, {@code 0 s}).
   */
  public static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    long days = s / 86_400;
    long hours = s % 86_400 / 3_600;
    long minutes = s % 3_600 / 60;
    long seconds = s % 60;
    StringBuilder text = new StringBuilder();
    part(text, days, "d");
    part(text, hours, "h");
    part(text, minutes, "min");
    part(text, seconds, "s");
    return text.length() == 0 ? "0 s" : text.toString();
  }

  private static void part(StringBuilder text, long amount, String unit) {
    if (amount > 0) {
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(amount).append(' ').append(unit);
    }
  }
}
