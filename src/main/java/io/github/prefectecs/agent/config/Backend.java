package io.github.prefectecs.agent.config;

import java.util.Locale;

/** Which Prefect API flavour the agent talks to (config key {@code backend}). */
public enum Backend {
  CLOUD,
  SERVER;

  /** The config spelling, {@code cloud} or {@code server}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
