package io.github.prefectecs.agent.cost;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices a task's {@link Usage} from a {@link PriceTable}: the vCPU-seconds and GiB-seconds Fargate
 * bills (at least a minute, {@link Usage#billed()}) at the price of the capacity it ran on, and for
 * Fargate Spot what FARGATE would have cost. Immutable and thread-safe.
 */
public final class CostEstimator {
  private final PriceTable prices;

  public CostEstimator(PriceTable prices) {
    this.prices = Objects.requireNonNull(prices, "prices");
  }

  public Estimate estimate(Usage usage) {
    String placement = usage.placement();
    if (placement == null) {
      return new Estimate.Unpriced(usage, "ECS did not say which capacity it ran on");
    }
    if (!placement.startsWith("FARGATE")) {
      return new Estimate.Unpriced(
          usage, placement + " capacity is billed by the instance, not by the task");
    }
    if (!usage.sized()) {
      return new Estimate.Unpriced(usage, "ECS gave no task size (cpu, memory)");
    }
    Optional<Rate> rate = prices.rate(usage.region(), usage.architecture(), placement);
    if (rate.isEmpty()) {
      String arch = usage.architecture().key();
      String provider = placement.toLowerCase(Locale.ROOT);
      return new Estimate.Unpriced(
          usage,
          "no "
              + placement
              + " "
              + usage.architecture()
              + " price for "
              + usage.region()
              + " is known; set cloud.agent.ecs.prices."
              + arch
              + "."
              + provider
              + ".vcpu_hour and .gb_hour");
    }
    double dollars = rate.get().dollars(usage.billedVcpuSeconds(), usage.billedGibSeconds());
    Double onDemand = null;
    if (usage.spot()) {
      onDemand =
          prices
              .rate(usage.region(), usage.architecture(), "FARGATE")
              .map(r -> r.dollars(usage.billedVcpuSeconds(), usage.billedGibSeconds()))
              .orElse(null);
    }
    return new Estimate.Priced(usage, dollars, rate.get(), onDemand);
  }
}
