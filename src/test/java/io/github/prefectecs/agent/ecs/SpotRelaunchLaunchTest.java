package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.config;
import static io.github.prefectecs.agent.ecs.Fixtures.settings;
import static io.github.prefectecs.agent.ecs.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.run.LaunchResult;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;

/** A run rescheduled after a Spot interruption is launched on FARGATE by whichever agent. */
class SpotRelaunchLaunchTest {

  private static FlowRun run(String id, JsonNode state) {
    return new FlowRun(
        id, 4, "Scheduled", state, null, null, null, "run", Fixtures.flow("Test Flow"), List.of());
  }

  private static List<String> providers(RunTaskRequest request) {
    return request.capacityProviderStrategy().stream()
        .map(CapacityProviderStrategyItem::capacityProvider)
        .toList();
  }

  @Test
  void aRunMarkedBySpotRelaunchGoesToFargateOnlyWithANote() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult plain =
        launcher.launch(run(uuid(1), PrefectStates.scheduled("Flow run scheduled.", null)), 1);
    LaunchResult marked =
        launcher.launch(
            run(
                uuid(2),
                PrefectStates.scheduled(
                    "Task arn:x was interrupted by Fargate Spot; relaunching on FARGATE "
                        + SpotMarker.text(1, 3),
                    null)),
            1);

    assertThat(providers(ecs.runTaskRequests.get(0))).containsExactly("FARGATE_SPOT", "FARGATE");
    assertThat(providers(ecs.runTaskRequests.get(1))).containsExactly("FARGATE");
    assertThat(((LaunchResult.Launched) plain).notes()).isEmpty();
    assertThat(((LaunchResult.Launched) marked).notes()).containsExactly(EcsLauncher.SPOT_RELAUNCH);
  }

  @Test
  void aConfiguredLaunchTypeIsLeftAsItIs() {
    FakeEcsClient ecs = new FakeEcsClient();
    var s = settings();
    var onEc2 =
        EcsSettings.builder()
            .cluster(s.cluster())
            .launchType("EC2")
            .network(List.of("subnet-1"), List.of("sg-1"), null)
            .build();
    EcsLauncher launcher = Fixtures.launcher(config(onEc2), ecs);
    launcher.start();

    LaunchResult result =
        launcher.launch(
            run(uuid(3), PrefectStates.scheduled("x " + SpotMarker.text(1, 3), null)), 1);

    assertThat(result).isInstanceOf(LaunchResult.Launched.class);
    assertThat(ecs.runTaskRequests.get(0).capacityProviderStrategy()).isEmpty();
    assertThat(ecs.runTaskRequests.get(0).launchTypeAsString()).isEqualTo("EC2");
  }
}
