package io.github.prefectecs.agent.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the agent estimates what each run cost: overrides of the bundled Fargate price table ({@code
 * cloud.agent.ecs.prices}), which apply to the region the agent's tasks run in.
 *
 * @param prices the overrides, each one price of one architecture and capacity provider
 */
public record CostSettings(List<PriceOverride> prices) {
  public CostSettings {
    prices = List.copyOf(prices);
  }

  /** The bundled prices alone. */
  public static CostSettings defaults() {
    return new CostSettings(List.of());
  }

  /** CPU architectures Fargate prices apart. */
  public enum Architecture {
    X86_64,
    ARM64;

    /** Its key in {@code cloud.agent.ecs.prices}: {@code x86_64} or {@code arm64}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The two price dimensions of a Fargate task. */
  public enum Dimension {
    /** USD per vCPU per hour ({@code vcpu_hour}). */
    VCPU_HOUR,
    /** USD per GB of memory per hour ({@code gb_hour}). */
    GB_HOUR;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One price the configuration sets: {@code prices.<architecture>.<provider>.<dimension>}.
   *
   * @param provider {@code FARGATE} or {@code FARGATE_SPOT}
   * @param usdPerHour the price in US dollars per vCPU-hour or GB-hour
   */
  public record PriceOverride(
      Architecture architecture, String provider, Dimension dimension, double usdPerHour) {
    public PriceOverride {
      Objects.requireNonNull(architecture, "architecture");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(dimension, "dimension");
      if (!(usdPerHour > 0)) {
        throw new IllegalArgumentException("a price must be positive, was " + usdPerHour);
      }
    }
  }
}
