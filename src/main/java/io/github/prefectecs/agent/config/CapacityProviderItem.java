package io.github.prefectecs.agent.config;

import java.util.Objects;

/**
 * One entry of an ECS capacity provider strategy, e.g. {@code FARGATE_SPOT:weight=3}.
 *
 * @param provider capacity provider name, e.g. {@code FARGATE_SPOT}
 * @param weight relative weight, 0..1000
 * @param base tasks placed on this provider first, 0..100000
 */
public record CapacityProviderItem(String provider, int weight, int base) {
  public CapacityProviderItem {
    Objects.requireNonNull(provider, "provider");
    if (provider.isBlank()) {
      throw new IllegalArgumentException("capacity provider name must not be blank");
    }
    if (weight < 0 || weight > 1000) {
      throw new IllegalArgumentException(
          "capacity provider " + provider + ": weight " + weight + " is outside 0..1000");
    }
    if (base < 0 || base > 100_000) {
      throw new IllegalArgumentException(
          "capacity provider " + provider + ": base " + base + " is outside 0..100000");
    }
  }
}
