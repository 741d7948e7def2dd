package io.github.prefectecs.agent.cost;

import io.github.prefectecs.agent.config.CostSettings.Architecture;
import java.time.Duration;
import java.util.Objects;

/**
 * What one task used, as ECS describes it.
 *
 * @param region the region it ran in (from its ARN)
 * @param placement {@code FARGATE_SPOT}, {@code FARGATE}, {@code EC2}; null when ECS did not say
 * @param architecture its CPU architecture ({@link Architecture#X86_64} when ECS did not say)
 * @param architectureReported whether ECS named the architecture
 * @param vcpus task-level vCPUs; null when ECS gave no size
 * @param memoryGib task-level memory in GiB; null when ECS gave no size
 * @param runtime from the image pull (or the start) to the stop, rounded up to the second, as
 *     Fargate bills (what it bills is {@link #billed()}: at least a minute)
 * @param timing null when the times are ECS's own; else how they were found (the agent's
 *     observations)
 */
public record Usage(
    String region,
    String placement,
    Architecture architecture,
    boolean architectureReported,
    Double vcpus,
    Double memoryGib,
    Duration runtime,
    String timing) {

  public Usage {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(runtime, "runtime");
    long seconds = runtime.toSeconds() + (runtime.toNanosPart() > 0 ? 1 : 0);
    runtime = Duration.ofSeconds(Math.max(0, seconds));
  }

  /**
   * Fargate's minimum charge per task: "rounded up to the nearest second" with "the current
   * 1-minute minimum billing period" (aws/containers-roadmap issues 189 and 2636 ask AWS to lower
   * it).
   */
  public static final Duration MINIMUM_CHARGE = Duration.ofMinutes(1);

  /**
   * The runtime Fargate bills: at least {@link #MINIMUM_CHARGE}; zero for a task stopped before any
   * image pull (nothing is billed).
   */
  public Duration billed() {
    return runtime.isZero() || runtime.compareTo(MINIMUM_CHARGE) >= 0 ? runtime : MINIMUM_CHARGE;
  }

  /** Whether Fargate bills more than the runtime (its one-minute minimum). */
  public boolean billedTheMinimum() {
    return billed().compareTo(runtime) > 0;
  }

  /** Whether ECS gave the task's size. */
  public boolean sized() {
    return vcpus != null && memoryGib != null;
  }

  /** vCPUs times seconds; 0 without a size. */
  public double vcpuSeconds() {
    return vcpus == null ? 0 : vcpus * runtime.toSeconds();
  }

  /** GiB of memory times seconds; 0 without a size. */
  public double gibSeconds() {
    return memoryGib == null ? 0 : memoryGib * runtime.toSeconds();
  }

  /** vCPUs times the seconds Fargate bills; 0 without a size. */
  public double billedVcpuSeconds() {
    return vcpus == null ? 0 : vcpus * billed().toSeconds();
  }

  /** GiB of memory times the seconds Fargate bills; 0 without a size. */
  public double billedGibSeconds() {
    return memoryGib == null ? 0 : memoryGib * billed().toSeconds();
  }

  /** Whether it ran on Fargate Spot. */
  public boolean spot() {
    return "FARGATE_SPOT".equals(placement);
  }

  /**
   * The metric label of its placement: the capacity provider or launch type, else {@code unknown}.
   */
  public String placementLabel() {
    return placement == null ? "unknown" : placement;
  }
}
