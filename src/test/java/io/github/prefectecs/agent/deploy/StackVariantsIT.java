package io.github.prefectecs.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.deploy.MotoCloudFormation.Stack;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;

/**
 * {@code deploy/agent.yaml} created in moto's CloudFormation with other parameters than {@link
 * AgentStackIT}'s, and updated; no agent runs.
 */
@Timeout(120)
class StackVariantsIT {
  private static StackWorld world;

  @BeforeAll
  static void start() throws Exception {
    world = StackWorld.start();
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  @Test
  void aCloudStackHandsTheApiKeyToTheAgentAndToTheFlowsAsASecret() throws Exception {
    String secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prefect-api-key-AbCdEf";
    Stack cloud =
        world.deploy(
            "prefect-cloud",
            Map.of(
                "PrefectBackend", "cloud",
                "PrefectApiUrl", "https://api.prefect.io",
                "ApiKeySecretArn", secret));

    assertThat(cloud.status()).as("%s", cloud.reason()).isEqualTo("CREATE_COMPLETE");
    assertThat(cloud.output("ApiKeySecretArn")).isEqualTo(secret);
    ContainerDefinition agent = world.agentContainer(cloud);
    assertThat(agent.secrets())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.name()).isEqualTo("PREFECT__CLOUD__API_KEY");
              assertThat(s.valueFrom()).isEqualTo(secret);
            });
    assertThat(StackWorld.environment(agent))
        .containsEntry("PREFECT__BACKEND", "cloud")
        .containsEntry("PREFECT__CLOUD__AGENT__ECS__API_KEY_SECRET_ARN", secret)
        .doesNotContainKey("PREFECT__CLOUD__API_KEY");
  }

  @Test
  void anImageUpdateCompletesWithANewRevisionOfTheAgentTaskDefinition() throws Exception {
    Stack before = world.deploy("prefect-update", Map.of());
    Stack after = world.update("prefect-update", Map.of("AgentImage", "prefect-ecs-agent:next"));

    assertThat(after.status()).as("%s", after.reason()).isEqualTo("UPDATE_COMPLETE");
    assertThat(after.output("AgentTaskDefinitionArn"))
        .isNotEqualTo(before.output("AgentTaskDefinitionArn"));
    // moto stops there: it registers the new revision's ContainerDefinitions without turning
    // CloudFormation's property names into ECS's, and leaves the service on the old revision.
    // ECS moves the service, one agent at a time (DeployTemplateTest checks the deployment).
  }
}
