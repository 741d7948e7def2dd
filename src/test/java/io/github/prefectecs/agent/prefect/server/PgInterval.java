package io.github.prefectecs.agent.prefect.server;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postgres {@code interval} values as Hasura reads and writes them: text such as {@code 00:15:00}
 * or {@code 1 day 02:00:00.5}; inside the double a {@link Duration}. Stateless.
 */
final class PgInterval {
  private static final Pattern TEXT =
      Pattern.compile("(?:(-?\\d+) days? ?)?(?:(-)?(\\d+):(\\d{2}):(\\d{2}(?:\\.\\d+)?))?");

  private PgInterval() {}

  /** An interval from Postgres text, ISO-8601 ({@code PT15M}) or a number of seconds. */
  static Duration parse(Object value) {
    if (value instanceof Duration duration) {
      return duration;
    }
    if (value instanceof Number seconds) {
      return seconds(new BigDecimal(seconds.toString()));
    }
    String text = String.valueOf(value).trim();
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException notIso) {
      Matcher m = TEXT.matcher(text);
      if (text.isEmpty() || !m.matches()) {
        throw new IllegalArgumentException(
            "invalid input syntax for type interval: \"" + value + "\"");
      }
      Duration days = Duration.ofDays(m.group(1) == null ? 0 : Long.parseLong(m.group(1)));
      if (m.group(3) == null) {
        return days;
      }
      Duration time =
          Duration.ofHours(Long.parseLong(m.group(3)))
              .plusMinutes(Long.parseLong(m.group(4)))
              .plus(seconds(new BigDecimal(m.group(5))));
      return days.plus(m.group(2) == null ? time : time.negated());
    }
  }

  /** Seconds (with a fraction) as a Duration, as Postgres casts a number of seconds. */
  static Duration seconds(BigDecimal seconds) {
    BigDecimal micros = seconds.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_EVEN);
    return Duration.ofNanos(micros.longValueExact() * 1000);
  }

  /** Postgres' default output style: {@code [N day[s] ]HH:MM:SS[.ffffff]}. */
  static String format(Duration duration) {
    long days = duration.toDays();
    Duration rest = duration.minusDays(days);
    boolean negative = rest.isNegative();
    rest = rest.abs();
    StringBuilder out = new StringBuilder();
    if (days != 0) {
      out.append(days).append(Math.abs(days) == 1 ? " day " : " days ");
    }
    out.append(negative ? "-" : "")
        .append(
            String.format(
                "%02d:%02d:%02d", rest.toHours(), rest.toMinutesPart(), rest.toSecondsPart()));
    int micros = rest.toNanosPart() / 1000;
    if (micros != 0) {
      out.append(String.format(".%06d", micros).replaceAll("0+$", ""));
    }
    return out.toString();
  }
}
