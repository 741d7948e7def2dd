package io.github.prefectecs.agent.config;

import java.util.Objects;

/**
 * A secret configuration value (API key, token). {@link #toString()} never reveals it; call {@link
 * #reveal()} only where the value goes on the wire.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {
  private static final Secret EMPTY = new Secret("");
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** A secret holding {@code value}; null or blank gives {@link #empty()}. */
  public static Secret of(String value) {
    return value == null || value.isBlank() ? EMPTY : new Secret(value);
  }

  public static Secret empty() {
    return EMPTY;
  }

  public boolean isPresent() {
    return !value.isEmpty();
  }

  /** The clear text; never log it. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return isPresent() ? "***" : "";
  }
}
