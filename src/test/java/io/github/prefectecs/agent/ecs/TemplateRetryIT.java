package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A run's task definition template lives behind HTTP that answers 503 once: the launch is retried
 * like any transient launch failure and the run gets its task instead of being marked Failed.
 */
@Timeout(180)
class TemplateRetryIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTemplateServerAnswering503IsRetriedNotFatal() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer templates =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    templates.createContext(
        "/td.json",
        exchange -> {
          try (exchange) {
            if (requests.incrementAndGet() == 1) {
              exchange.sendResponseHeaders(503, -1);
              return;
            }
            byte[] body =
                "{\"containerDefinitions\":[{\"name\":\"flow\"}]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    templates.start();
    FakeEcsClient ecs = new FakeEcsClient();
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      ObjectNode runConfig = JSON.createObjectNode();
      runConfig.put("type", "ECSRun");
      runConfig.put("image", "example/flow:1");
      runConfig.put(
          "task_definition_path",
          "http://127.0.0.1:" + templates.getAddress().getPort() + "/td.json");
      String flow =
          server.createFlow(
              "flow", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
      String run =
          server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig);
      EcsSettings d = EcsSettings.defaults();
      EcsSettings settings =
          EcsSettings.builder()
              .cluster("flows")
              .strategy(d.capacityProviderStrategy())
              .network(List.of("subnet-1"), List.of("sg-1"), false)
              .build();
      AgentConfig config =
          TestConfigs.withEcs(TestConfigs.server(server.uri(), List.of("ecs"), 5, null), settings);
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(tenant -> EcsLauncher.create(config, tenant, ecs, null, Clock.systemUTC()))
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(90),
            () -> "the run's task; state " + server.flowRunState(run),
            () ->
                server.logs(run).stream()
                    .anyMatch(l -> l.message().startsWith("Submitted for execution: Task ")));
      } finally {
        agent.close();
      }
      assertThat(requests.get()).isEqualTo(2);
      assertThat(server.flowRunState(run)).isEqualTo("Submitted");
      assertThat(ecs.tasks()).hasSize(1);
    } finally {
      templates.stop(0);
    }
  }
}
