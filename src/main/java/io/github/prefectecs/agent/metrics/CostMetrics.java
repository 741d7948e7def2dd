package io.github.prefectecs.agent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The series of what flow tasks used and cost, by capacity provider ({@code FARGATE_SPOT}, {@code
 * FARGATE}, {@code EC2}, {@code unknown}): vCPU-seconds and GiB-seconds, the estimated dollars and
 * what Fargate Spot saved against FARGATE. Estimates from list prices (docs/operations.md,
 * "Metrics"). Thread-safe.
 */
public final class CostMetrics {
  private final Counter vcpuSeconds;
  private final Counter gibSeconds;
  private final Counter dollars;
  private final Counter spotSavings;

  CostMetrics(PrometheusRegistry registry) {
    vcpuSeconds =
        Counter.builder()
            .name("prefect_ecs_agent_task_vcpu_seconds_total")
            .help("vCPU-seconds of stopped flow tasks (size times runtime), by capacity provider")
            .labelNames("capacity_provider")
            .register(registry);
    gibSeconds =
        Counter.builder()
            .name("prefect_ecs_agent_task_memory_gib_seconds_total")
            .help("GiB-seconds of memory of stopped flow tasks, by capacity provider")
            .labelNames("capacity_provider")
            .register(registry);
    dollars =
        Counter.builder()
            .name("prefect_ecs_agent_task_cost_usd_total")
            .help(
                "Estimated cost of stopped flow tasks in US dollars at list prices (at least a"
                    + " minute each, as Fargate bills), by capacity provider")
            .labelNames("capacity_provider")
            .register(registry);
    spotSavings =
        Counter.builder()
            .name("prefect_ecs_agent_spot_savings_usd_total")
            .help("Estimated US dollars Fargate Spot tasks saved against FARGATE at list prices")
            .labelNames("capacity_provider")
            .register(registry);
  }

  /** What a stopped task used. */
  public void used(String capacityProvider, double vcpuSeconds, double gibSeconds) {
    this.vcpuSeconds.labelValues(capacityProvider).inc(vcpuSeconds);
    this.gibSeconds.labelValues(capacityProvider).inc(gibSeconds);
  }

  /** What a stopped task cost, and what Spot saved (0 for none). */
  public void cost(String capacityProvider, double dollars, double spotSavings) {
    this.dollars.labelValues(capacityProvider).inc(dollars);
    if (spotSavings > 0) {
      this.spotSavings.labelValues(capacityProvider).inc(spotSavings);
    }
  }
}
