package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.config;
import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.settings;
import static io.github.prefectecs.agent.ecs.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.testsupport.ManualClock;
import io.github.prefectecs.agent.watch.SpotBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;

/**
 * The launch side of the Spot circuit breaker: Spot capacity failures feed it, and while it is open
 * the agent's own FARGATE_SPOT strategy becomes FARGATE; a run with a strategy of its own keeps it.
 */
class SpotBreakerLaunchTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
  private final SpotBreaker breaker =
      new SpotBreaker(
          new SpotBreakerSettings(2, Duration.ofMinutes(10), Duration.ofMinutes(30)),
          AgentMetrics.create(),
          clock);

  private static List<String> providers(RunTaskRequest request) {
    return request.capacityProviderStrategy().stream()
        .map(CapacityProviderStrategyItem::capacityProvider)
        .toList();
  }

  private EcsLauncher launcher(FakeEcsClient ecs) {
    EcsLauncher launcher =
        new EcsLauncher(config(settings()), null, ecs, null, clock, Fixtures.unlimited(), breaker);
    launcher.start();
    return launcher;
  }

  @Test
  void spotCapacityFailuresOpenItAndNewLaunchesGoToFargateWithANote() {
    FakeEcsClient ecs =
        new FakeEcsClient()
            .failures(
                r ->
                    providers(r).contains("FARGATE_SPOT")
                        ? List.of(
                            Failure.builder()
                                .reason(
                                    "Capacity is unavailable at this time. Please try again later")
                                .build())
                        : List.of());
    EcsLauncher launcher = launcher(ecs);
    launcher.launch(Fixtures.run(uuid(1), null), 1);
    launcher.launch(Fixtures.run(uuid(2), null), 1);
    assertThat(breaker.open()).isTrue();
    int before = ecs.runTaskRequests.size();

    LaunchResult third = launcher.launch(Fixtures.run(uuid(3), null), 1);

    assertThat(ecs.runTaskRequests).hasSize(before + 1);
    assertThat(providers(ecs.runTaskRequests.get(before))).containsExactly("FARGATE");
    assertThat(((LaunchResult.Launched) third).notes())
        .singleElement()
        .asString()
        .contains("Spot circuit breaker is open until 2026-03-01T12:30:00");
  }

  @Test
  void aRunWithAStrategyOfItsOwnKeepsItWhileItIsOpen() {
    breaker.capacityFailure("a");
    breaker.capacityFailure("b");
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = launcher(ecs);

    launcher.launch(
        Fixtures.run(
            uuid(1),
            json(
                "{\"type\":\"ECSRun\",\"run_task_kwargs\":{\"capacityProviderStrategy\":"
                    + "[{\"capacityProvider\":\"FARGATE_SPOT\",\"weight\":1}]}}")),
        1);
    launcher.launch(Fixtures.run(uuid(2), null), 1);

    assertThat(providers(ecs.runTaskRequests.get(0))).containsExactly("FARGATE_SPOT");
    assertThat(providers(ecs.runTaskRequests.get(1))).containsExactly("FARGATE");
  }

  @Test
  void afterItsCoolDownLaunchesUseSpotAgain() {
    breaker.capacityFailure("a");
    breaker.capacityFailure("b");
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = launcher(ecs);
    clock.advance(Duration.ofMinutes(30));

    launcher.launch(Fixtures.run(uuid(1), null), 1);

    assertThat(providers(ecs.runTaskRequests.get(0))).containsExactly("FARGATE_SPOT", "FARGATE");
  }
}
