package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        Backend.SERVER,
        api,
        Secret.empty(),
        null,
        Secret.empty(),
        null,
        "test-agent",
        labels,
        Map.of(),
        maxPolls,
        URI.create("http://127.0.0.1:0"),
        true,
        "INFO",
        "INFO",
        false,
        Duration.ofSeconds(3),
        maxConcurrentLaunches,
        EcsSettings.defaults(),
        null);
  }

  /** {@code c} with another backend, credentials and tenant. */
  public static AgentConfig withIdentity(
      AgentConfig c, Backend backend, String apiKey, String authToken, String tenantId) {
    return copy(c, backend, Secret.of(apiKey), Secret.of(authToken), tenantId, c.ecs());
  }

  /** {@code c} with other ECS settings. */
  public static AgentConfig withEcs(AgentConfig c, EcsSettings ecs) {
    return copy(c, c.backend(), c.apiKey(), c.authToken(), c.tenantId(), ecs);
  }

  private static AgentConfig copy(
      AgentConfig c,
      Backend backend,
      Secret apiKey,
      Secret authToken,
      String tenantId,
      EcsSettings ecs) {
    return new AgentConfig(
        backend,
        c.api(),
        apiKey,
        tenantId,
        authToken,
        c.agentConfigId(),
        c.name(),
        c.labels(),
        c.envVars(),
        c.maxPolls(),
        c.agentAddress(),
        c.sendFlowRunLogs(),
        c.agentLogLevel(),
        c.flowLogLevel(),
        c.jsonLogs(),
        c.requestTimeout(),
        c.maxConcurrentLaunches(),
        ecs,
        c.awsCredentials());
  }
}
