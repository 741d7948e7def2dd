package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.prefect.Flow;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Run config resolution and validation (reference §4.10, §6). */
class EcsRunConfigTest {

  @ParameterizedTest
  @ValueSource(strings = {"LocalRun", "DockerRun", "KubernetesRun", "VertexRun", "Whatever"})
  void otherRunConfigTypesAreRejectedNamingTheType(String type) {
    assertThatThrownBy(() -> EcsRunConfig.of(run("r1", json("{\"type\":\"" + type + "\"}"))))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessage(
            "Flow run r1 has a `run_config` of type `" + type + "`, only `ECSRun` is supported")
        .matches(e -> !((EcsLaunchException) e).retryable());
  }

  @Test
  void universalRunBecomesAnEcsRunWithItsEnv() {
    EcsRunConfig config =
        EcsRunConfig.of(run("r1", json("{\"type\":\"UniversalRun\",\"env\":{\"A\":\"1\"}}")));

    assertThat(config.env()).isEqualTo(Map.of("A", "1"));
    assertThat(config.image()).isNull();
  }

  @Test
  void nullRunConfigWithoutEnvironmentIsTheDefault() {
    assertThat(EcsRunConfig.of(run("r1", null))).isEqualTo(EcsRunConfig.empty());
  }

  @Test
  void legacyEnvironmentFlowIsRejectedWithAMessage() {
    Flow legacy =
        new Flow("f", "Legacy", json("{\"type\":\"LocalEnvironment\"}"), null, 1, "0.10.0");

    assertThatThrownBy(() -> EcsRunConfig.of(run("r1", null, legacy)))
        .hasMessageContaining("legacy `environment`")
        .hasMessageContaining("ECSRun");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"task_definition\":{},\"task_definition_arn\":\"x\"}|can only provide one of",
        "{\"task_definition_path\":\"a.yaml\",\"task_definition_arn\":\"x\"}|can only provide one of",
        "{\"task_definition_arn\":\"x\",\"image\":\"i\"}|both `task_definition_arn` and `image`",
        "{\"cpu\":\"lots\"}|`cpu` must be a positive number",
        "{\"cpu\":0}|`cpu` must be a positive number",
        "{\"memory\":\"2 TB\"}|`memory` must be a positive number",
        "{\"memory\":-5}|`memory` must be a positive number",
        "{\"env\":[1]}|`env` must be an object",
        "{\"run_task_kwargs\":\"x\"}|`run_task_kwargs` must be an object"
      })
  void badEcsRunFieldsAreRejectedNamingTheField(String fields, String message) {
    String config = "{\"type\":\"ECSRun\"," + fields.substring(1);

    assertThatThrownBy(() -> EcsRunConfig.of(run("r1", json(config))))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "[{index}] cpu {0} memory {1}")
  @CsvSource({
    "8,1024,8,1024",
    "'\"1 vcpu\"','\"2 GB\"',1 vcpu,2 GB",
    "'\"0.25 vCPU\"','\"512\"',0.25 vCPU,512"
  })
  void taskLevelSizesAcceptIntegersAndEcsUnits(
      String cpu, String memory, String expectedCpu, String expectedMemory) {
    EcsRunConfig config =
        EcsRunConfig.of(
            run("r1", json("{\"type\":\"ECSRun\",\"cpu\":" + cpu + ",\"memory\":" + memory + "}")));

    assertThat(config.cpu()).isEqualTo(expectedCpu);
    assertThat(config.memory()).isEqualTo(expectedMemory);
  }
}
