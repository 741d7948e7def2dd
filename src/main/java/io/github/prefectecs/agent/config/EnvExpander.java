package io.github.prefectecs.agent.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code $VAR}, {@code ${VAR}} and a leading {@code ~} the way Prefect does (Python's
 * {@code expandvars} and {@code expanduser}), repeated until stable, at most 10 rounds. Unknown
 * variables are left as written, so {@code ${cloud.api}} survives for interpolation.
 *
 * <p>Immutable and thread-safe.
 */
public final class EnvExpander {
  private static final Pattern VAR = Pattern.compile("\\$(\\w+|\\{[^}]*})");
  private static final int MAX_ROUNDS = 10;
  private final Map<String, String> env;
  private final Path home;

  public EnvExpander(Map<String, String> env, Path home) {
    this.env = Map.copyOf(env);
    this.home = Objects.requireNonNull(home, "home");
  }

  public String expand(String value) {
    String current = value;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      String next = expandUser(expandVars(current));
      if (next.equals(current)) {
        return next;
      }
      current = next;
    }
    return current;
  }

  private String expandVars(String value) {
    if (value.indexOf('$') < 0) {
      return value;
    }
    Matcher m = VAR.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      if (name.startsWith("{")) {
        name = name.substring(1, name.length() - 1);
      }
      String replacement = env.get(name);
      m.appendReplacement(
          out, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private String expandUser(String value) {
    if (value.equals("~")) {
      return home.toString();
    }
    if (value.startsWith("~/")) {
      return home + value.substring(1);
    }
    return value;
  }
}
