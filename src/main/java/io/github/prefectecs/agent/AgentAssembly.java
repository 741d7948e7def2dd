package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.logs.CloudWatchForwarding;
import io.github.prefectecs.agent.logs.RunLogWriter;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.metrics.MeteredPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.run.LaunchSlots;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.watch.EcsTasks;
import io.github.prefectecs.agent.watch.SpotBreaker;
import io.github.prefectecs.agent.watch.Supervisor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The composition root: builds every part of an agent once ({@link #builder}); {@link AgentCore}
 * wires its core once the handshake is known. The production agent is assembled in {@link
 * AgentProcess}; tests assemble theirs with fakes through the same builder.
 */
public final class AgentAssembly {
  private AgentAssembly() {}

  /** A builder for an agent configured by {@code config}. */
  public static Builder builder(AgentConfig config) {
    return new Builder(config);
  }

  /** What the builder needs beyond the config; every part but the API and launcher optional. */
  public static final class Builder {
    private final AgentConfig config;
    private Clock clock = Clock.systemUTC();
    private AgentMetrics metrics;
    private PrefectApi api;
    private Function<String, Launcher> launcherFactory;
    private EcsTasks ecsTasks;
    private SpotBreaker spotBreaker;
    private Function<Shared, CloudWatchForwarding> logs = shared -> CloudWatchForwarding.off();
    private final List<AgentParts.Client> clients = new ArrayList<>();

    private Builder(AgentConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where launches, requests and durations are counted; served on /metrics. */
    public Builder metrics(AgentMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** The Prefect API (the builder meters it). */
    public Builder api(PrefectApi api) {
      this.api = Objects.requireNonNull(api, "api");
      return this;
    }

    /** Builds the launcher once the tenant is known (its argument). */
    public Builder launcher(Function<String, Launcher> launcherFactory) {
      this.launcherFactory = Objects.requireNonNull(launcherFactory, "launcherFactory");
      return this;
    }

    /** Watches every task through {@code ecsTasks}; without it the agent watches nothing. */
    public Builder supervision(EcsTasks ecsTasks) {
      this.ecsTasks = Objects.requireNonNull(ecsTasks, "ecsTasks");
      return this;
    }

    /**
     * The Spot circuit breaker the launcher consults; supervision feeds it its Spot interruptions.
     * Without it supervision feeds one of its own that no launcher reads.
     */
    public Builder spotBreaker(SpotBreaker spotBreaker) {
      this.spotBreaker = Objects.requireNonNull(spotBreaker, "spotBreaker");
      return this;
    }

    /** Builds log forwarding over the agent's shared parts (the batched run log writer). */
    public Builder logs(Function<Shared, CloudWatchForwarding> logs) {
      this.logs = Objects.requireNonNull(logs, "logs");
      return this;
    }

    /** Closes {@code client} when the agent stops, after everything that uses it. */
    public Builder closing(String name, AutoCloseable client) {
      clients.add(new AgentParts.Client(name, client));
      return this;
    }

    /** The parts, ready for {@code new Agent(parts)}. */
    public AgentParts parts() {
      Objects.requireNonNull(api, "api");
      Objects.requireNonNull(launcherFactory, "launcher");
      AgentMetrics m = metrics == null ? AgentMetrics.create() : metrics;
      PrefectApi metered = new MeteredPrefectApi(api, m);
      AgentHealth health = new AgentHealth(clock);
      RunRegistry registry = new RunRegistry(clock);
      m.trackInFlight(registry::size);
      LaunchSlots slots = new LaunchSlots(config.maxConcurrentLaunches());
      AgentThreads threads = AgentThreads.create(config.maxConcurrentLaunches());
      PrefectBatcher batcher =
          new PrefectBatcher(metered, threads.reports(), PrefectBatcher.Windows.AGENT);
      Shared shared =
          new Shared(
              config,
              metered,
              RunLogWriter.counting(
                  RunLogWriter.of(batcher), m::logLinesForwarded, m::logLinesDropped),
              m,
              clock);
      Supervisor supervisor =
          ecsTasks == null
              ? Supervisor.OFF
              : Supervisor.ofEcs(
                  config,
                  ecsTasks,
                  metered,
                  registry,
                  m,
                  health,
                  spotBreaker == null
                      ? new SpotBreaker(config.ecs().spotBreaker(), m, clock)
                      : spotBreaker,
                  clock,
                  threads.watch());
      List<AgentParts.Client> closing = new ArrayList<>(clients);
      closing.add(new AgentParts.Client("Prefect API client", metered));
      return new AgentParts(
          config,
          clock,
          m,
          health,
          metered,
          registry,
          slots,
          threads,
          batcher,
          launcherFactory,
          supervisor,
          logs.apply(shared),
          closing);
    }

    /** A new agent of these parts. */
    public Agent build() {
      return new Agent(parts());
    }
  }

  /**
   * What log forwarding is built over.
   *
   * @param api the metered Prefect API (forwarded lines' positions are read from the run logs)
   * @param writer the batched, counted run log writer
   */
  public record Shared(
      AgentConfig config, PrefectApi api, RunLogWriter writer, AgentMetrics metrics, Clock clock) {}
}
