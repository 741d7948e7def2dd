package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${a.b}} references between configuration values as Prefect does: innermost first,
 * one occurrence per value per pass, at most 10 passes; a whole-value reference keeps the
 * referenced type, a partial one splices its text; a missing key gives the empty string.
 */
final class Interpolator {
  private static final Pattern REF = Pattern.compile("\\$\\{(.[^${}]*)}");
  private static final int MAX_PASSES = 10;

  private Interpolator() {}

  /** Resolves in place; a reference cycle throws {@link ConfigException} naming the keys. */
  static void resolve(LeafMap leaves) {
    Map<List<String>, ConfigEntry> map = leaves.asMap();
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      boolean changed = false;
      for (Map.Entry<List<String>, ConfigEntry> e : map.entrySet()) {
        ConfigEntry next = resolveOnce(e.getValue(), map);
        if (next != e.getValue()) {
          e.setValue(next);
          changed = true;
        }
      }
      if (!changed) {
        return;
      }
    }
    TreeSet<String> cyclic = new TreeSet<>();
    for (ConfigEntry e : map.values()) {
      if (e.value() instanceof String s && refersToExistingKey(s, map)) {
        cyclic.add(e.key());
      }
    }
    if (!cyclic.isEmpty()) {
      throw new ConfigException(
          "configuration keys "
              + String.join(", ", cyclic)
              + " refer to each other through ${...} references (a cycle); make one of them a"
              + " plain value");
    }
  }

  private static ConfigEntry resolveOnce(ConfigEntry entry, Map<List<String>, ConfigEntry> map) {
    if (!(entry.value() instanceof String s)) {
      return entry;
    }
    Matcher m = REF.matcher(s);
    if (!m.find()) {
      return entry;
    }
    String refKey = m.group(1);
    ConfigEntry ref = map.get(List.of(refKey.split("\\.", -1)));
    Object refValue = ref == null ? "" : ref.value();
    Object value;
    if (m.start() == 0 && m.end() == s.length()) {
      value = refValue;
    } else {
      String text = refValue == null ? "None" : String.valueOf(refValue);
      value = s.substring(0, m.start()) + text + s.substring(m.end());
    }
    List<String> references = new ArrayList<>(entry.references());
    references.add(refKey);
    String template = entry.template() != null ? entry.template() : s;
    return new ConfigEntry(entry.path(), value, entry.origin(), template, references);
  }

  private static boolean refersToExistingKey(String s, Map<List<String>, ConfigEntry> map) {
    Matcher m = REF.matcher(s);
    while (m.find()) {
      if (map.containsKey(List.of(m.group(1).split("\\.", -1)))) {
        return true;
      }
    }
    return false;
  }
}
