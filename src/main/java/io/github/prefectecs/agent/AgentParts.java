package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.logs.CloudWatchForwarding;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.run.LaunchSlots;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.watch.Supervisor;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What an {@link Agent} is made of, built once by {@link AgentAssembly}: every client, executor and
 * subsystem. An absent subsystem is a part that does nothing ({@link Supervisor#OFF}, {@link
 * CloudWatchForwarding#off()}), never a null.
 *
 * @param api the Prefect API, metered
 * @param launcherFactory builds the launcher once the tenant is known (its argument)
 * @param supervisor starts task supervision once the core exists
 * @param logs log forwarding, writing through {@code batcher}
 * @param clients the clients closed last, in this order (the AWS clients the parts share)
 */
public record AgentParts(
    AgentConfig config,
    Clock clock,
    AgentMetrics metrics,
    AgentHealth health,
    PrefectApi api,
    RunRegistry registry,
    LaunchSlots slots,
    AgentThreads threads,
    PrefectBatcher batcher,
    Function<String, Launcher> launcherFactory,
    Supervisor supervisor,
    CloudWatchForwarding logs,
    List<Client> clients) {

  public AgentParts {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(slots, "slots");
    Objects.requireNonNull(threads, "threads");
    Objects.requireNonNull(batcher, "batcher");
    Objects.requireNonNull(launcherFactory, "launcherFactory");
    Objects.requireNonNull(supervisor, "supervisor");
    Objects.requireNonNull(logs, "logs");
    clients = List.copyOf(clients);
  }

  /** A client closed when the agent stops, named for the log of a failed close. */
  public record Client(String name, AutoCloseable client) {
    public Client {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(client, "client");
    }
  }
}
