package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.FlowDefaults;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.config.Operations;
import io.github.prefectecs.agent.config.PrefectConnection;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.config.SupervisionSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Agent configurations for tests, built directly (the config loader has its own tests). */
public final class TestConfigs {
  private TestConfigs() {}

  /** A Prefect Server agent at {@code api} with {@code labels} and a health endpoint on port 0. */
  public static AgentConfig server(URI api, List<String> labels) {
    return server(api, labels, 10, null);
  }

  public static AgentConfig server(
      URI api, List<String> labels, int maxConcurrentLaunches, Integer maxPolls) {
    return new AgentConfig(
        "test-agent",
        labels,
        new PrefectConnection(
            Backend.SERVER, api, Secret.empty(), null, Secret.empty(), null, Duration.ofSeconds(3)),
        FlowDefaults.defaults(),
        EcsSettings.defaults(),
        SupervisionSettings.defaults(),
        LogSettings.defaults(),
        CostSettings.defaults(),
        new Operations(
            URI.create("http://127.0.0.1:0"), "INFO", false, maxPolls, maxConcurrentLaunches),
        null);
  }

  /** {@code c} with another backend, credentials and tenant. */
  public static AgentConfig withIdentity(
      AgentConfig c, Backend backend, String apiKey, String authToken, String tenantId) {
    PrefectConnection p = c.prefect();
    return c.withPrefect(
        new PrefectConnection(
            backend,
            p.api(),
            Secret.of(apiKey),
            tenantId,
            Secret.of(authToken),
            p.agentConfigId(),
            p.requestTimeout()));
  }

  /** {@code c} with other ECS settings. */
  public static AgentConfig withEcs(AgentConfig c, EcsSettings ecs) {
    return c.withEcs(ecs);
  }
}
