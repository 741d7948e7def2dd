package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * One resolved configuration leaf.
 *
 * @param path the key path, e.g. {@code [cloud, agent, labels]}
 * @param value the value after expansion, casting and interpolation: String, Long, Double, Boolean,
 *     List, Map or null
 * @param origin where the value (or its template) came from
 * @param template the original {@code ${...}} template when the value was interpolated, else null
 * @param references the keys the template referred to, in resolution order
 */
public record ConfigEntry(
    List<String> path, Object value, Origin origin, String template, List<String> references) {

  public ConfigEntry {
    path = List.copyOf(path);
    Objects.requireNonNull(origin, "origin");
    references = List.copyOf(references);
  }

  public ConfigEntry(List<String> path, Object value, Origin origin) {
    this(path, value, origin, null, List.of());
  }

  /** The dotted key, e.g. {@code cloud.agent.labels}. */
  public String key() {
    return String.join(".", path);
  }

  public boolean interpolated() {
    return template != null;
  }

  @Override
  public String toString() {
    return key() + "=" + (SecretKeys.isSecret(path) ? "***" : String.valueOf(value));
  }
}
