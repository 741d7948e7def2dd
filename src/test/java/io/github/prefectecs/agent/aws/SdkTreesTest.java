package io.github.prefectecs.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;

/**
 * {@link SdkTrees} against what the agent did before, Jackson's bean binding onto the SDK's
 * serializable builders: the same names are accepted everywhere in the two requests, and the same
 * documents give equal requests.
 */
class SdkTreesTest {
  private static final ObjectMapper JACKSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private static final String TASK_DEFINITION =
      """
      {"family": "prefect-flow", "networkMode": "awsvpc", "cpu": 1024, "memory": "2048",
       "requiresCompatibilities": ["FARGATE"], "executionRoleArn": "arn:aws:iam::1:role/x",
       "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
       "ephemeralStorage": {"sizeInGiB": "30"},
       "tags": [{"key": "team", "value": "data"}],
       "volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
          "transitEncryption": "ENABLED", "authorizationConfig": {"iam": "ENABLED"}}}],
       "containerDefinitions": [{"name": "flow", "image": "prefecthq/prefect:1.4.1",
          "essential": true, "readonlyRootFilesystem": "false", "memoryReservation": 512,
          "command": ["prefect", "execute", "flow-run"],
          "environment": [{"name": "A", "value": 1}, {"name": "B", "value": true}],
          "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/s"}],
          "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
          "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
          "dockerLabels": {"a": "b", "c": "d"},
          "healthCheck": {"command": ["CMD", "true"], "interval": 30, "retries": 3},
          "linuxParameters": {"initProcessEnabled": true,
             "capabilities": {"add": ["SYS_PTRACE"]}},
          "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g",
             "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "prefect"}},
          "dependsOn": [{"containerName": "side", "condition": "START"}]},
         {"name": "side", "image": "busybox", "essential": false, "cpu": "0"}]}
      """;

  private static final String RUN_TASK =
      """
      {"cluster": "prefect", "taskDefinition": "prefect-flow:3", "count": 1,
       "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0},
          {"capacityProvider": "FARGATE", "weight": 1}],
       "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1", "subnet-2"],
          "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
       "overrides": {"cpu": "2048", "taskRoleArn": "arn:aws:iam::1:role/t",
          "containerOverrides": [{"name": "flow", "command": ["a", "b"], "memory": "4096",
             "environment": [{"name": "PREFECT__CLOUD__API", "value": "http://s:4200"}]}],
          "ephemeralStorage": {"sizeInGiB": 40}},
       "enableECSManagedTags": true, "propagateTags": "TASK_DEFINITION",
       "tags": [{"key": "flow", "value": "etl"}], "startedBy": "prefect-ecs-agent",
       "placementConstraints": [{"type": "distinctInstance"}], "clientToken": "abc",
       "group": null}
      """;

  @Test
  void a_task_definition_binds_as_jackson_bound_it() throws Exception {
    ObjectNode tree = (ObjectNode) JACKSON.readTree(TASK_DEFINITION);

    RegisterTaskDefinitionRequest ours =
        SdkTrees.fill(RegisterTaskDefinitionRequest.builder(), tree).build();

    assertThat(ours)
        .isEqualTo(
            JACKSON
                .treeToValue(tree, RegisterTaskDefinitionRequest.serializableBuilderClass())
                .build());
    assertThat(ours.cpu()).isEqualTo("1024");
    assertThat(ours.ephemeralStorage().sizeInGiB()).isEqualTo(30);
    assertThat(ours.containerDefinitions().get(0).environment().get(1).value()).isEqualTo("true");
    assertThat(ours.containerDefinitions().get(0).readonlyRootFilesystem()).isFalse();
    assertThat(ours.containerDefinitions().get(0).dockerLabels()).containsEntry("c", "d");
  }

  @Test
  void run_task_arguments_bind_as_jackson_bound_them() throws Exception {
    ObjectNode tree = (ObjectNode) JACKSON.readTree(RUN_TASK);

    RunTaskRequest ours = SdkTrees.fill(RunTaskRequest.builder(), tree).build();

    assertThat(ours)
        .isEqualTo(JACKSON.treeToValue(tree, RunTaskRequest.serializableBuilderClass()).build());
    assertThat(ours.capacityProviderStrategy().get(0).weight()).isEqualTo(4);
    assertThat(ours.networkConfiguration().awsvpcConfiguration().subnets())
        .containsExactly("subnet-1", "subnet-2");
    assertThat(ours.enableECSManagedTags()).isTrue();
    assertThat(ours.group()).isNull();
  }

  @Test
  void every_model_the_two_requests_reach_takes_the_names_jackson_took() {
    Set<String> ours = new TreeSet<>();
    Set<String> jackson = new TreeSet<>();
    Deque<Supplier<SdkPojo>> todo = new ArrayDeque<>();
    todo.add(RunTaskRequest::builder);
    todo.add(RegisterTaskDefinitionRequest::builder);
    Set<Class<?>> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      SdkPojo builder = todo.pop().get();
      if (!seen.add(builder.getClass())) {
        continue;
      }
      String type = builder.getClass().getName().replaceAll(".*\\.", "") + ".";
      for (SdkField<?> field : builder.sdkFields()) {
        ours.add(type + field.locationName());
        pojoOf(field, todo);
      }
      BeanDescription bean =
          JACKSON
              .getDeserializationConfig()
              .introspect(JACKSON.getTypeFactory().constructType(builder.getClass()));
      for (BeanPropertyDefinition property : bean.findProperties()) {
        if (property.hasSetter() || property.hasField()) {
          jackson.add(type + property.getName());
        }
      }
    }
    assertThat(seen).hasSizeGreaterThan(40);
    assertThat(ours).isEqualTo(jackson);
  }

  @Test
  void booleans_may_be_given_as_text_in_any_case_or_as_0_and_1() throws Exception {
    assertThat(bindRunTask("{\"enableECSManagedTags\": \"True\"}").enableECSManagedTags()).isTrue();
    assertThat(bindRunTask("{\"enableECSManagedTags\": \"FALSE\"}").enableECSManagedTags())
        .isFalse();
    assertThat(bindRunTask("{\"enableExecuteCommand\": 1}").enableExecuteCommand()).isTrue();
    assertThat(bindRunTask("{\"enableExecuteCommand\": 0}").enableExecuteCommand()).isFalse();
    assertThatThrownBy(() -> bindRunTask("{\"enableExecuteCommand\": 2}"))
        .hasMessage("bad value at `enableExecuteCommand`: expected true or false, got 2");
  }

  @Test
  void an_unknown_field_is_named_with_its_path() throws Exception {
    assertThatThrownBy(() -> bindRunTask("{\"lanchType\": \"FARGATE\"}"))
        .isInstanceOf(SdkTrees.Mismatch.class)
        .hasMessage("unknown field `lanchType`");
    assertThatThrownBy(
            () -> bindRunTask("{\"overrides\": {\"containerOverrides\": [{\"nmae\": \"flow\"}]}}"))
        .hasMessage("unknown field `overrides.containerOverrides[0].nmae`");
  }

  @Test
  void a_value_of_the_wrong_kind_is_named_with_its_path_and_what_was_expected() {
    assertThatThrownBy(() -> bindRunTask("{\"count\": \"two\"}"))
        .hasMessage("bad value at `count`: expected a whole number, got \"two\"");
    assertThatThrownBy(() -> bindRunTask("{\"count\": 1.5}"))
        .hasMessage("bad value at `count`: expected a whole number in range, got 1.5");
    assertThatThrownBy(() -> bindRunTask("{\"count\": 99999999999}"))
        .hasMessage("bad value at `count`: expected a whole number in range, got 99999999999");
    assertThatThrownBy(
            () ->
                bindRunTask(
                    "{\"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": \"s\"}}}"))
        .hasMessage(
            "bad value at `networkConfiguration.awsvpcConfiguration.subnets`: expected a list,"
                + " got \"s\"");
    assertThatThrownBy(() -> bindRunTask("{\"cluster\": {\"name\": \"c\"}}"))
        .hasMessage("bad value at `cluster`: expected text, got an object");
    assertThatThrownBy(() -> bindRunTask("{\"enableECSManagedTags\": \"yes\"}"))
        .hasMessage("bad value at `enableECSManagedTags`: expected true or false, got \"yes\"");
    assertThatThrownBy(() -> bindRunTask("{\"overrides\": [1]}"))
        .hasMessage("bad value at `overrides`: expected an object, got a list");
  }

  private static RunTaskRequest bindRunTask(String json) throws Exception {
    return SdkTrees.fill(RunTaskRequest.builder(), JACKSON.readTree(json)).build();
  }

  private static void pojoOf(SdkField<?> field, Deque<Supplier<SdkPojo>> todo) {
    if (field.marshallingType() == MarshallingType.SDK_POJO) {
      todo.add(field.constructor());
    } else if (field.marshallingType() == MarshallingType.LIST) {
      pojoOf(field.getRequiredTrait(ListTrait.class).memberFieldInfo(), todo);
    } else if (field.marshallingType() == MarshallingType.MAP) {
      pojoOf(field.getRequiredTrait(MapTrait.class).valueFieldInfo(), todo);
    }
  }
}
