package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.support.TokenBucket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builders for the agent config, flow runs and run configs the ECS tests use. */
final class Fixtures {
  private Fixtures() {}

  static EcsSettings settings() {
    return settings(List.of("subnet-1"), List.of("sg-1"));
  }

  static EcsSettings settings(List<String> subnets, List<String> securityGroups) {
    return EcsSettings.builder()
        .cluster("test-cluster")
        .network(subnets, securityGroups, null)
        .build();
  }

  static AgentConfig config(EcsSettings ecs) {
    return config(ecs, Backend.CLOUD, "", "", List.of(), Map.of());
  }

  static AgentConfig config(
      EcsSettings ecs,
      Backend backend,
      String apiKey,
      String authToken,
      List<String> labels,
      Map<String, String> env) {
    return new AgentConfig(
        "agent",
        labels,
        new io.github.prefectecs.agent.config.PrefectConnection(
            backend,
            URI.create(
                backend == Backend.CLOUD ? "https://api.prefect.io" : "https://localhost:4200"),
            Secret.of(apiKey),
            null,
            Secret.of(authToken),
            null,
            Duration.ofSeconds(15)),
        new io.github.prefectecs.agent.config.FlowDefaults(env, true, "INFO"),
        ecs,
        io.github.prefectecs.agent.config.SupervisionSettings.defaults(),
        io.github.prefectecs.agent.config.LogSettings.defaults(),
        io.github.prefectecs.agent.config.CostSettings.defaults(),
        new io.github.prefectecs.agent.config.Operations(null, "INFO", false, null, 4),
        null);
  }

  static Flow flow(String name) {
    return new Flow("flow-id", name, null, json("{\"type\":\"Local\"}"), 1, "0.15.13");
  }

  static FlowRun run(String id, JsonNode runConfig) {
    return run(id, runConfig, flow("Test Flow"));
  }

  static FlowRun run(String id, JsonNode runConfig, Flow flow) {
    return new FlowRun(id, 1, "Scheduled", null, null, null, runConfig, "run", flow, List.of());
  }

  static ObjectNode json(String text) {
    try {
      return (ObjectNode) io.github.prefectecs.agent.support.JsonTrees.read(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String uuid(int i) {
    return String.format("00000000-0000-4000-8000-%012d", i);
  }

  /** Limits that never wait, for tests about behaviour rather than pacing. */
  static EcsRateLimits unlimited() {
    return new EcsRateLimits(
        bucket("run"), bucket("fargate"), bucket("modify"), bucket("read"), bucket("tdread"));
  }

  private static TokenBucket bucket(String name) {
    return new TokenBucket(name, 1_000_000, 1_000_000, System::nanoTime, n -> {});
  }

  static EcsLauncher launcher(AgentConfig config, FakeEcsClient ecs) {
    return launcher(config, ecs, java.time.Clock.systemUTC());
  }

  static EcsLauncher launcher(AgentConfig config, FakeEcsClient ecs, java.time.Clock clock) {
    return new EcsLauncher(config, null, ecs, null, clock, unlimited());
  }
}
