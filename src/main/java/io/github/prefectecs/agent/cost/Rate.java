package io.github.prefectecs.agent.cost;

import java.util.Objects;

/**
 * One Fargate price: US dollars per vCPU-hour and per GB-hour of memory (AWS's "GB" of task memory
 * is 1024 MiB).
 *
 * @param asOf when the figure was read (e.g. {@code 2026-09}), or {@code configured}
 */
public record Rate(double vcpuHour, double gbHour, String asOf) {
  public Rate {
    Objects.requireNonNull(asOf, "asOf");
    if (!(vcpuHour > 0) || !(gbHour > 0)) {
      throw new IllegalArgumentException(
          "prices must be positive, were " + vcpuHour + " and " + gbHour);
    }
  }

  /** What {@code vcpuSeconds} and {@code gibSeconds} cost at this rate. */
  double dollars(double vcpuSeconds, double gibSeconds) {
    return (vcpuSeconds * vcpuHour + gibSeconds * gbHour) / 3600.0;
  }
}
