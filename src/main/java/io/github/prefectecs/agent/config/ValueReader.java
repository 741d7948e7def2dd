package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a {@link ResolvedConfig} that collect a problem (one line: key, redacted value,
 * origin, expected type, fix) instead of throwing. Not thread-safe; one per bind.
 */
final class ValueReader {
  private static final int MAX_SHOWN = 80;
  private final ResolvedConfig config;
  private final List<String> problems = new ArrayList<>();

  ValueReader(ResolvedConfig config) {
    this.config = config;
  }

  List<String> problems() {
    return problems;
  }

  ResolvedConfig config() {
    return config;
  }

  /** A scalar as text; null when unset, null or blank. */
  String string(String key) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null) {
      return null;
    }
    Object v = e.value();
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      problem(e, "expected a single value, not a list or table", "write it as a plain string");
      return null;
    }
    String s = String.valueOf(v).strip();
    return s.isEmpty() ? null : s;
  }

  /** An integer; null when unset. */
  Long integer(String key) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null || "".equals(e.value())) {
      return null;
    }
    if (e.value() instanceof Long l) {
      return l;
    }
    problem(e, "expected a whole number", "write it without quotes or units, e.g. 10");
    return null;
  }

  /** A number (integer or decimal); null when unset. */
  Double number(String key) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null || "".equals(e.value())) {
      return null;
    }
    if (e.value() instanceof Long l) {
      return l.doubleValue();
    }
    if (e.value() instanceof Double d) {
      return d;
    }
    problem(e, "expected a number", "write it without quotes or units, e.g. 15");
    return null;
  }

  /**
   * A duration: a number of seconds, or text such as {@code 90m}, {@code 2h} ({@link
   * DurationText}); null when unset.
   */
  java.time.Duration duration(String key) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null || "".equals(e.value())) {
      return null;
    }
    try {
      if (e.value() instanceof Long l) {
        return DurationText.seconds(l);
      }
      if (e.value() instanceof Double d) {
        return DurationText.seconds(d);
      }
      if (e.value() instanceof String s) {
        return DurationText.parse(s);
      }
    } catch (IllegalArgumentException ex) {
      problem(e, "not a duration", "write seconds or a duration, " + DurationText.EXAMPLES);
      return null;
    }
    problem(e, "expected a duration", "write seconds or a duration, " + DurationText.EXAMPLES);
    return null;
  }

  /** A boolean; null when unset. */
  Boolean bool(String key) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null || "".equals(e.value())) {
      return null;
    }
    if (e.value() instanceof Boolean b) {
      return b;
    }
    problem(e, "expected true or false", "write true or false");
    return null;
  }

  /** A list of non-blank strings; empty when unset. A plain string is an error, never split. */
  List<String> stringList(String key, String example) {
    ConfigEntry e = config.entry(key);
    if (e == null || e.value() == null || "".equals(e.value())) {
      return List.of();
    }
    if (!(e.value() instanceof List<?> list)) {
      problem(e, "expected a list", "write a list, e.g. " + example);
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Object item : list) {
      if (item == null
          || item instanceof List<?>
          || item instanceof Map<?, ?>
          || String.valueOf(item).isBlank()) {
        problem(e, "expected a list of non-empty strings", "write it like " + example);
        return List.of();
      }
      out.add(String.valueOf(item).strip());
    }
    return out;
  }

  /**
   * A table of text values: a map value at {@code key}, or the leaves of a TOML table below it.
   * Empty when unset.
   */
  Map<String, String> stringMap(String key, String example) {
    List<String> path = List.of(key.split("\\."));
    Map<String, Object> raw = rawMap(path, example);
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (Map.Entry<String, Object> item : raw.entrySet()) {
      Object v = item.getValue();
      if (v == null || v instanceof List<?> || v instanceof Map<?, ?>) {
        ConfigEntry e = entryOrChild(path);
        problem(e, "value of " + item.getKey() + " must be text", "write it like " + example);
        continue;
      }
      out.put(item.getKey(), String.valueOf(v));
    }
    return out;
  }

  /** The map at {@code path} (value or TOML table), null when unset or not a map. */
  Map<String, Object> rawMap(List<String> path, String example) {
    ConfigEntry e = config.entry(path);
    if (e != null) {
      if (e.value() == null || "".equals(e.value())) {
        return null;
      }
      if (!(e.value() instanceof Map<?, ?> map)) {
        problem(e, "expected a table (map)", "write it like " + example);
        return null;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), v));
      return out;
    }
    List<ConfigEntry> children = config.entriesUnder(path);
    if (children.isEmpty()) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (ConfigEntry child : children) {
      List<String> rest = child.path().subList(path.size(), child.path().size());
      out.put(String.join(".", rest), child.value());
    }
    return out;
  }

  ConfigEntry entryOrChild(List<String> path) {
    ConfigEntry e = config.entry(path);
    if (e != null) {
      return e;
    }
    List<ConfigEntry> children = config.entriesUnder(path);
    return children.isEmpty() ? null : children.get(0);
  }

  /** Records a problem about {@code e}: what is wrong and how to fix it. */
  void problem(ConfigEntry e, String what, String fix) {
    problems.add(describe(e) + ": " + what + "; " + fix);
  }

  void problem(String line) {
    problems.add(line);
  }

  /** {@code key = "value" (from origin)}, the value redacted when secret. */
  static String describe(ConfigEntry e) {
    return e.key() + " = " + shown(e) + " (from " + e.origin() + ")";
  }

  private static String shown(ConfigEntry e) {
    if (SecretKeys.isSecret(e.path())) {
      return "***";
    }
    Object v = e.value();
    // A table may carry secrets under innocent names: show only its shape.
    String text = v instanceof Map<?, ?> ? "{...}" : ValueFormat.format(v);
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
  }
}
