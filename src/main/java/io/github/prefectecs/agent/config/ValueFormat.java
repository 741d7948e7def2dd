package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Configuration values as TOML-like text for people: strings quoted, lists and tables inline,
 * {@code None} for null, values of secret-named table entries as {@code ***}. Stateless.
 */
public final class ValueFormat {
  private ValueFormat() {}

  public static String format(Object value) {
    if (value == null) {
      return "None";
    }
    if (value instanceof String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    if (value instanceof List<?> list) {
      StringJoiner j = new StringJoiner(", ", "[", "]");
      list.forEach(item -> j.add(format(item)));
      return j.toString();
    }
    if (value instanceof Map<?, ?> map) {
      StringJoiner j = new StringJoiner(", ", "{", "}");
      for (Map.Entry<?, ?> item : map.entrySet()) {
        String k = String.valueOf(item.getKey());
        j.add(k + " = " + (SecretKeys.isSecretName(k) ? "***" : format(item.getValue())));
      }
      return j.toString();
    }
    return String.valueOf(value);
  }
}
