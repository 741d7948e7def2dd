package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.config.EcsSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reference agent's merge_run_task_kwargs table (checklist §8.1) and placement rules. */
class RunTaskKwargsTest {

  @ParameterizedTest(name = "[{index}] {0} + {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{}|{}|{}",
        "{}|{\"cluster\":\"new\"}|{\"cluster\":\"new\"}",
        "{\"cluster\":\"testing\"}|{}|{\"cluster\":\"testing\"}",
        "{\"cluster\":\"testing\",\"launchType\":\"FARGATE\"}"
            + "|{\"cluster\":\"new\",\"enableECSManagedTags\":false}"
            + "|{\"cluster\":\"new\",\"launchType\":\"FARGATE\",\"enableECSManagedTags\":false}",
        "{\"overrides\":{\"cpu\":\"1024\"}}|{\"overrides\":{}}|{\"overrides\":{\"cpu\":\"1024\"}}",
        "{\"overrides\":{\"cpu\":\"1024\",\"memory\":\"2048\"}}"
            + "|{\"overrides\":{\"cpu\":\"2048\",\"taskRoleArn\":\"testing\"}}"
            + "|{\"overrides\":{\"cpu\":\"2048\",\"memory\":\"2048\",\"taskRoleArn\":\"testing\"}}",
        "{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]}}"
            + "|{\"overrides\":{\"containerOverrides\":[]}}"
            + "|{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]}}",
        "{}|{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]}}"
            + "|{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]}}",
        "{\"overrides\":{\"taskRoleArn\":\"x\",\"containerOverrides\":[{\"name\":\"a\",\"memory\":2,\"cpu\":1}]}}"
            + "|{\"overrides\":{\"executionRoleArn\":\"y\",\"containerOverrides\":[{\"name\":\"a\",\"cpu\":3}]}}"
            + "|{\"overrides\":{\"taskRoleArn\":\"x\",\"containerOverrides\":[{\"name\":\"a\",\"memory\":2,\"cpu\":3}],\"executionRoleArn\":\"y\"}}",
        "{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]}}"
            + "|{\"overrides\":{\"containerOverrides\":[{\"name\":\"b\"}]}}"
            + "|{\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}"
      })
  void mergeFollowsTheReferenceRules(String base, String top, String expected) {
    assertThat(RunTaskKwargs.merge(json(base), json(top))).isEqualTo(json(expected));
  }

  @ParameterizedTest(name = "[{index}] {1} over {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"launchType\":\"FARGATE\"}|{\"capacityProviderStrategy\":[{\"capacityProvider\":\"X\"}]}"
            + "|{\"capacityProviderStrategy\":[{\"capacityProvider\":\"X\"}]}",
        "{\"capacityProviderStrategy\":[{\"capacityProvider\":\"X\"}]}|{\"launchType\":\"EC2\"}"
            + "|{\"launchType\":\"EC2\"}",
        "{\"launchType\":\"FARGATE\",\"cluster\":\"c\"}|{\"cluster\":\"d\"}"
            + "|{\"launchType\":\"FARGATE\",\"cluster\":\"d\"}"
      })
  void aPlacementFromTheHigherSourceReplacesTheWholeLowerPlacement(
      String base, String top, String expected) {
    assertThat(RunTaskKwargs.mergeWithPlacement(json(base), json(top))).isEqualTo(json(expected));
  }

  @Test
  void agentKwargsUseSettingsNetworkOverFileAndInferred() {
    EcsSettings settings = Fixtures.settings(List.of("subnet-a"), List.of("sg-a"));
    var kwargs =
        RunTaskKwargs.agentKwargs(
            settings,
            json("{\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"file\"]}}}"),
            json("{\"awsvpcConfiguration\":{\"subnets\":[\"inferred\"]}}"));

    assertThat(kwargs)
        .isEqualTo(
            json(
                "{\"capacityProviderStrategy\":[{\"capacityProvider\":\"FARGATE_SPOT\",\"weight\":3},"
                    + "{\"capacityProvider\":\"FARGATE\",\"weight\":2}],"
                    + "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-a\"],"
                    + "\"securityGroups\":[\"sg-a\"]}},\"cluster\":\"test-cluster\"}"));
  }

  @Test
  void fileNetworkBeatsInferredAndClusterDefaultSendsNoPlacement() {
    EcsSettings settings = EcsSettings.builder().clusterDefaultStrategy().build();
    var kwargs =
        RunTaskKwargs.agentKwargs(
            settings,
            json("{\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"file\"]}}}"),
            json("{\"awsvpcConfiguration\":{\"subnets\":[\"inferred\"]}}"));

    assertThat(kwargs)
        .isEqualTo(
            json("{\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"file\"]}}}"));
  }

  @Test
  void strategyKeepsBaseOnlyWhenSet() {
    assertThat(
            RunTaskKwargs.strategy(
                List.of(
                    new CapacityProviderItem("FARGATE", 1, 2),
                    new CapacityProviderItem("FARGATE_SPOT", 4, 0))))
        .isEqualTo(
            Json.array()
                .add(json("{\"capacityProvider\":\"FARGATE\",\"weight\":1,\"base\":2}"))
                .add(json("{\"capacityProvider\":\"FARGATE_SPOT\",\"weight\":4}")));
  }
}
