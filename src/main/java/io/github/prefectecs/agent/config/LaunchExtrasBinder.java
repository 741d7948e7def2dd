package io.github.prefectecs.agent.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates the launch keys of {@code [cloud.agent.ecs]} that are not about placement: the extra
 * cost allocation tags ({@code task_tags}) and the Spot circuit breaker ({@code
 * spot_breaker_threshold}, {@code spot_breaker_window}, {@code spot_breaker_cooldown}). Stateless.
 */
final class LaunchExtrasBinder {
  private static final String P = "cloud.agent.ecs.";

  /** At most this many extra tags: ECS allows 50 a task, and the agent sets up to 10 itself. */
  static final int MAX_TASK_TAGS = 30;

  // AWS's tag rules: letters, numbers, spaces and + - = . _ : / @.
  private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{N}\\s+\\-=._:/@]*");

  private LaunchExtrasBinder() {}

  static Map<String, String> taskTags(ValueReader r) {
    Map<String, String> tags =
        r.stringMap(P + "task_tags", "{team = \"data\", cost-center = \"42\"}");
    Map<String, String> valid = new LinkedHashMap<>();
    ConfigEntry where = r.entryOrChild(java.util.List.of("cloud", "agent", "ecs", "task_tags"));
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String problem = tagProblem(tag.getKey(), tag.getValue());
      if (problem != null) {
        r.problem(
            where,
            "tag " + tag.getKey() + ": " + problem,
            "tag keys are 1-128 and values up to 256 letters, digits, spaces or + - = . _ : / @,"
                + " and keys may not start with aws: or prefect:");
      } else {
        valid.put(tag.getKey(), tag.getValue());
      }
    }
    if (valid.size() > MAX_TASK_TAGS) {
      r.problem(
          where,
          valid.size() + " tags, more than " + MAX_TASK_TAGS,
          "keep at most " + MAX_TASK_TAGS + " (ECS allows 50 a task, the agent sets up to 10)");
    }
    return valid;
  }

  private static String tagProblem(String key, String value) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (key.isEmpty() || key.length() > 128) {
      return "the key must be 1 to 128 characters";
    }
    if (lower.startsWith("aws:") || lower.startsWith("prefect:")) {
      return "the key prefix is reserved";
    }
    if (value.length() > 256) {
      return "the value is longer than 256 characters";
    }
    if (!TAG_TEXT.matcher(key).matches() || !TAG_TEXT.matcher(value).matches()) {
      return "a character AWS does not allow in tags";
    }
    return null;
  }

  static SpotBreakerSettings spotBreaker(ValueReader r) {
    Long threshold = r.integer(P + "spot_breaker_threshold");
    int t = SpotBreakerSettings.DEFAULT_THRESHOLD;
    if (threshold != null && (threshold < 0 || threshold > 1000)) {
      r.problem(
          r.config().entry(P + "spot_breaker_threshold"),
          "must be between 0 and 1000",
          "give how many Spot interruptions or capacity failures within the window send new"
              + " launches to FARGATE, e.g. 5 (0: never)");
    } else if (threshold != null) {
      t = Math.toIntExact(threshold);
    }
    Duration window =
        positive(r, "spot_breaker_window", SpotBreakerSettings.DEFAULT_WINDOW, "e.g. 600 or 10m");
    Duration coolDown =
        positive(
            r, "spot_breaker_cooldown", SpotBreakerSettings.DEFAULT_COOL_DOWN, "e.g. 1800 or 30m");
    return new SpotBreakerSettings(t, window, coolDown);
  }

  private static Duration positive(ValueReader r, String key, Duration fallback, String example) {
    Duration d = r.duration(P + key);
    if (d == null) {
      return fallback;
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofDays(7)) > 0) {
      r.problem(
          r.config().entry(P + key),
          "must be between 1 second and 7 days",
          "give a duration, " + example);
      return fallback;
    }
    return d;
  }
}
