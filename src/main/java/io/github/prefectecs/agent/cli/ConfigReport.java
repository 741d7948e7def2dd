package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.ConfigEntry;
import io.github.prefectecs.agent.config.ResolvedConfig;
import io.github.prefectecs.agent.config.SecretKeys;
import io.github.prefectecs.agent.config.ValueFormat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.StringJoiner;

/**
 * Renders the effective configuration for {@code config show}: one line per key, sorted, the value
 * in TOML-like syntax (secrets as {@code ***}) and where it came from. Stateless.
 */
final class ConfigReport {
  private static final String SECRET = "***";

  private ConfigReport() {}

  static List<String> render(ResolvedConfig config) {
    List<String> left = new ArrayList<>();
    List<String> right = new ArrayList<>();
    int width = 0;
    for (ConfigEntry e : config.entries()) {
      String text = e.key() + " = " + value(e);
      left.add(text);
      right.add(source(e, config));
      width = Math.max(width, text.length());
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < left.size(); i++) {
      lines.add(String.format("%-" + width + "s    (%s)", left.get(i), right.get(i)));
    }
    return lines;
  }

  private static String value(ConfigEntry e) {
    if (SecretKeys.isSecret(e.path())) {
      return "".equals(e.value()) || e.value() == null ? "\"\"" : SECRET;
    }
    return ValueFormat.format(e.value());
  }

  private static String source(ConfigEntry e, ResolvedConfig config) {
    if (!e.interpolated()) {
      return e.origin().description();
    }
    StringJoiner refs = new StringJoiner(", ");
    for (String ref : new LinkedHashSet<>(e.references())) {
      ConfigEntry r = config.entry(List.of(ref.split("\\.", -1)));
      refs.add(ref + " from " + (r == null ? "nowhere (empty)" : r.origin().description()));
    }
    return "interpolated: " + e.template() + " from " + e.origin().description() + "; " + refs;
  }
}
