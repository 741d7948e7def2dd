package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * A configuration value given on the command line; it beats every other source.
 *
 * @param path the key path it sets, e.g. {@code [cloud, api]}
 * @param value the value (String, Long, Boolean, List or Map); not cast or interpolated
 * @param flag the flag's long name, e.g. {@code --api}
 */
public record FlagOverride(List<String> path, Object value, String flag) {
  public FlagOverride {
    path = List.copyOf(path);
    Objects.requireNonNull(flag, "flag");
  }

  /** An override of the dotted {@code key}. */
  public static FlagOverride of(String key, Object value, String flag) {
    return new FlagOverride(List.of(key.split("\\.")), value, flag);
  }
}
