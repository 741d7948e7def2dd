package io.github.prefectecs.agent.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mutable, flattened configuration while it is being merged: setting a leaf replaces both the
 * leaves below it (a table replaced by a value) and a value above it (a value replaced by a table).
 * Not thread-safe; used by one loader call.
 */
final class LeafMap {
  private final Map<List<String>, ConfigEntry> leaves = new LinkedHashMap<>();

  void put(ConfigEntry entry) {
    List<String> path = entry.path();
    leaves.keySet().removeIf(k -> !k.equals(path) && (startsWith(k, path) || startsWith(path, k)));
    leaves.put(path, entry);
  }

  ConfigEntry get(List<String> path) {
    return leaves.get(path);
  }

  Map<List<String>, ConfigEntry> asMap() {
    return leaves;
  }

  private static boolean startsWith(List<String> path, List<String> prefix) {
    return path.size() > prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }
}
