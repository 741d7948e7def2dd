package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration leaf after files, environment, casting, interpolation and flags were applied,
 * with its origin. Immutable; built by {@link ConfigLoader}.
 */
public final class ResolvedConfig {
  private final Map<List<String>, ConfigEntry> leaves;

  ResolvedConfig(Map<List<String>, ConfigEntry> leaves) {
    this.leaves = Collections.unmodifiableMap(new LinkedHashMap<>(leaves));
  }

  /** The leaf at the dotted {@code key}, or null when unset. */
  public ConfigEntry entry(String key) {
    return leaves.get(List.of(key.split("\\.")));
  }

  public ConfigEntry entry(List<String> path) {
    return leaves.get(path);
  }

  /** The leaves strictly below {@code path} (a TOML table), in insertion order. */
  public List<ConfigEntry> entriesUnder(List<String> path) {
    List<ConfigEntry> out = new ArrayList<>();
    for (ConfigEntry e : leaves.values()) {
      if (e.path().size() > path.size() && e.path().subList(0, path.size()).equals(path)) {
        out.add(e);
      }
    }
    return out;
  }

  /** Every leaf, sorted by dotted key. */
  public List<ConfigEntry> entries() {
    List<ConfigEntry> out = new ArrayList<>(leaves.values());
    out.sort(Comparator.comparing(ConfigEntry::key));
    return out;
  }
}
