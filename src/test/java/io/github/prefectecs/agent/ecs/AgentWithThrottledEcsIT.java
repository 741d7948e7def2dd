package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The whole agent (Prefect double, real GraphQL client, real ECS launcher) against an ECS fake that
 * throttles 30 % of all calls: 120 due runs of 3 distinct run configs become exactly 120 tasks with
 * at most 3 registrations, and no run is submitted twice. (Throttling on every third call keeps the
 * agent's adaptive RunTask rate near its floor, so the run count sets this test's duration.)
 */
@Timeout(360)
class AgentWithThrottledEcsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RUNS = 120;

  @Test
  void runsOfThreeRunConfigsUnderThrottlingBecomeOneTaskEach() {
    FakeEcsClient ecs = new FakeEcsClient().throttle(0.3).latency(5);
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      List<String> runs = new ArrayList<>();
      for (int config = 0; config < 3; config++) {
        ObjectNode runConfig = JSON.createObjectNode();
        runConfig.put("type", "ECSRun");
        runConfig.put("image", "example/flow-" + config + ":1");
        runConfig.putArray("labels").add("ecs");
        String flow =
            server.createFlow(
                "flow-" + config,
                JSON.createObjectNode().put("type", "Local"),
                runConfig,
                "0.15.13");
        for (int i = 0; i < RUNS / 3 + (config < RUNS % 3 ? 1 : 0); i++) {
          runs.add(
              server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig));
        }
      }
      assertThat(runs).hasSize(RUNS);

      AgentConfig base = TestConfigs.server(server.uri(), List.of("ecs"), 20, null);
      EcsSettings defaults = EcsSettings.defaults();
      EcsSettings settings =
          EcsSettings.builder()
              .cluster("flows")
              .strategy(defaults.capacityProviderStrategy())
              .network(List.of("subnet-1", "subnet-2"), List.of("sg-1"), false)
              .build();
      AgentConfig config = TestConfigs.withEcs(base, settings);
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(tenant -> EcsLauncher.create(config, tenant, ecs, null, Clock.systemUTC()))
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(300),
            () -> "all " + RUNS + " runs submitted; tasks so far " + ecs.tasks().size(),
            () ->
                runs.stream()
                    .allMatch(
                        r ->
                            server.logs(r).stream()
                                .anyMatch(l -> l.message().startsWith("Submitted for execution"))));
      } finally {
        agent.close();
      }

      List<Task> tasks = ecs.tasks();
      Set<String> startedBy = tasks.stream().map(Task::startedBy).collect(Collectors.toSet());
      int registrations =
          ecs.count("RegisterTaskDefinition") - ecs.count("RegisterTaskDefinition:throttled");
      System.out.printf(
          "%d runs: %d tasks, %d registrations, %d RunTask calls (%d throttled)%n",
          RUNS, tasks.size(), registrations, ecs.count("RunTask"), ecs.count("RunTask:throttled"));
      assertThat(ecs.count("RunTask:throttled")).as("throttling was injected").isPositive();
      assertThat(tasks).hasSize(RUNS);
      assertThat(startedBy).containsExactlyInAnyOrderElementsOf(runs);
      assertThat(registrations).isLessThanOrEqualTo(3);
      for (String run : runs) {
        assertThat(server.flowRunState(run)).isEqualTo("Submitted");
        assertThat(
                server.flowRunStateHistory(run).stream()
                    .filter(s -> s.path("type").asText().equals("Submitted")))
            .hasSize(1);
        assertThat(server.logs(run))
            .filteredOn(l -> l.message().startsWith("Submitted for execution"))
            .hasSize(1);
      }
    }
  }
}
