package io.github.prefectecs.agent.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a configuration value came from, e.g. {@code default}, {@code /etc/agent.toml:12}, {@code
 * env PREFECT__BACKEND} or {@code flag --api}.
 *
 * @param level the precedence level, lowest first
 * @param description human-readable origin
 */
public record Origin(Level level, String description) {

  /** Precedence levels, lowest first. */
  public enum Level {
    DEFAULT,
    USER_FILE,
    BACKEND_FILE,
    ENV,
    FLAG
  }

  private static final Origin DEFAULT = new Origin(Level.DEFAULT, "default");

  public Origin {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(description, "description");
  }

  public static Origin defaults() {
    return DEFAULT;
  }

  /** A value read from a TOML file at {@code line} (0 or less when unknown). */
  public static Origin file(Level level, Path file, int line) {
    return new Origin(level, line > 0 ? file + ":" + line : file.toString());
  }

  public static Origin env(String name) {
    return new Origin(Level.ENV, "env " + name);
  }

  public static Origin flag(String name) {
    return new Origin(Level.FLAG, "flag " + name);
  }

  @Override
  public String toString() {
    return description;
  }
}
