package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.prefect.Flow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Task definition rendering: the reference's checklist §8.3, adapted to reusable families. */
class TaskDefinitionRendererTest {
  private static final ObjectNode DEFAULT =
      json(
          "{\"networkMode\":\"awsvpc\",\"cpu\":1024,\"memory\":2048,"
              + "\"containerDefinitions\":[{\"name\":\"flow\"}]}");
  private static final Flow FLOW =
      new Flow("flow-id", "Test Flow", null, json("{\"type\":\"Local\"}"), 1, "0.13.0");

  private static EcsSettings settings(String executionRole, String secretArn, String logGroup) {
    return EcsSettings.builder().roles(null, executionRole).apiKeySecretArn(secretArn).build();
  }

  private static LogSettings logs(
      String executionRole, String secretArn, String logGroup, LogForwarding mode) {
    return new LogSettings(mode, logGroup);
  }

  private static ObjectNode render(ObjectNode template, String runConfig, Flow flow) {
    EcsRunConfig config =
        EcsRunConfig.of(
            Fixtures.run("flow-run-id", runConfig == null ? null : json(runConfig), flow));
    return new TaskDefinitionRenderer(
            settings(null, null, null),
            logs(null, null, null, LogForwarding.NON_PREFECT),
            "us-east-1")
        .render(template, config, flow, true);
  }

  private static JsonNode flowContainer(ObjectNode definition) {
    for (JsonNode c : definition.get("containerDefinitions")) {
      if (c.get("name").asText().equals("flow")) {
        return c;
      }
    }
    throw new AssertionError("no flow container");
  }

  @Test
  void defaultTemplateRendersAStableFamilyWithoutPerRunContent() {
    ObjectNode definition = render(DEFAULT, null, FLOW);

    assertThat(definition)
        .isEqualTo(
            json(
                "{\"networkMode\":\"awsvpc\",\"cpu\":\"1024\",\"memory\":\"2048\","
                    + "\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"prefecthq/prefect:0.13.0\","
                    + "\"environment\":[{\"name\":\"PREFECT__CONTEXT__IMAGE\",\"value\":\"prefecthq/prefect:0.13.0\"}],"
                    + "\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{"
                    + "\"awslogs-group\":\"/prefect/flow-runs\",\"awslogs-region\":\"us-east-1\","
                    + "\"awslogs-stream-prefix\":\"prefect\"}}}],"
                    + "\"family\":\"prefect-test-flow\",\"requiresCompatibilities\":[\"FARGATE\"]}"));
    assertThat(Json.write(definition)).doesNotContain("flow-run-id", "flow-id");
  }

  @Test
  void templateFamilyAndTagsAreKeptAndSizesBecomeStrings() {
    ObjectNode template =
        json(
            "{\"family\":\"mine\",\"tags\":[{\"key\":\"mykey\",\"value\":\"v\"}],\"cpu\":2048,\"memory\":4096}");

    ObjectNode definition = render(template, null, FLOW);

    assertThat(definition.get("family").asText()).isEqualTo("mine");
    assertThat(definition.get("tags")).isEqualTo(template.get("tags"));
    assertThat(definition.get("cpu").asText()).isEqualTo("2048");
    assertThat(definition.get("memory").isTextual()).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "docker storage|{\"type\":\"Docker\",\"registry_url\":\"test\",\"image_name\":\"name\",\"image_tag\":\"tag\"}|{\"type\":\"ECSRun\",\"image\":\"myimage\"}|on-template|0.13.0|test/name:tag",
        "run config image|{\"type\":\"Local\"}|{\"type\":\"ECSRun\",\"image\":\"myimage\"}|on-template|0.13.0|myimage",
        "template image|{\"type\":\"Local\"}|{\"type\":\"ECSRun\"}|on-template|0.13.0|on-template",
        "core version|{\"type\":\"Local\"}|{\"type\":\"ECSRun\"}||0.13.0|prefecthq/prefect:0.13.0",
        "local core version|{\"type\":\"Local\"}|{\"type\":\"ECSRun\"}||0.14.1+local|prefecthq/prefect:0.14.1",
        "no core version|{\"type\":\"Local\"}|{\"type\":\"ECSRun\"}|||prefecthq/prefect:latest",
        "docker without registry|{\"type\":\"Docker\",\"image_name\":\"name\",\"image_tag\":\"tag\"}|{\"type\":\"ECSRun\"}||0.13.0|name:tag"
      })
  void imageSelection(
      String label,
      String storage,
      String runConfig,
      String templateImage,
      String core,
      String image) {
    Flow flow = new Flow("flow-id", "Test Flow", null, json(storage), 1, core);
    ObjectNode template = DEFAULT.deepCopy();
    if (templateImage != null) {
      ((ObjectNode) template.get("containerDefinitions").get(0)).put("image", templateImage);
    }

    JsonNode container = flowContainer(render(template, runConfig, flow));

    assertThat(container.get("image").asText()).isEqualTo(image);
    assertThat(container.get("environment").get(0))
        .isEqualTo(json("{\"name\":\"PREFECT__CONTEXT__IMAGE\",\"value\":\"" + image + "\"}"));
  }

  @Test
  void definitionEnvironmentHasOnlyImageAndTemplateEntries() {
    ObjectNode template =
        json(
            "{\"containerDefinitions\":[{\"name\":\"flow\",\"environment\":["
                + "{\"name\":\"CUSTOM1\",\"value\":\"VALUE1\"},{\"name\":\"PREFECT__CONTEXT__IMAGE\",\"value\":\"old\"},"
                + "{\"name\":\"CUSTOM2\",\"value\":\"VALUE2\"}]}]}");

    JsonNode container =
        flowContainer(
            render(
                template,
                "{\"type\":\"ECSRun\",\"image\":\"test-image\",\"env\":{\"X\":\"1\"}}",
                FLOW));

    assertThat(container.get("environment"))
        .isEqualTo(
            json("{\"e\":[{\"name\":\"PREFECT__CONTEXT__IMAGE\",\"value\":\"test-image\"},"
                    + "{\"name\":\"CUSTOM1\",\"value\":\"VALUE1\"},{\"name\":\"CUSTOM2\",\"value\":\"VALUE2\"}]}")
                .get("e"));
  }

  @Test
  void sidecarsKeepTheirOrderAndAMissingFlowContainerIsAppended() {
    ObjectNode template =
        json(
            "{\"containerDefinitions\":[{\"name\":\"other\",\"image\":\"other-image\"},"
                + "{\"name\":\"flow\",\"cpu\":1234}]}");
    ObjectNode definition =
        render(template, "{\"type\":\"ECSRun\",\"image\":\"flow-image\"}", FLOW);
    ObjectNode withoutFlow =
        render(json("{\"containerDefinitions\":[{\"name\":\"other\"}]}"), null, FLOW);

    assertThat(definition.at("/containerDefinitions/0/image").asText()).isEqualTo("other-image");
    assertThat(definition.at("/containerDefinitions/1/cpu").asInt()).isEqualTo(1234);
    assertThat(definition.at("/containerDefinitions/1/image").asText()).isEqualTo("flow-image");
    assertThat(withoutFlow.at("/containerDefinitions/1/name").asText()).isEqualTo("flow");
  }

  @ParameterizedTest(name = "[{index}] run={0} agent={1}")
  @CsvSource({"run-role,agent-role,run-role", "'',agent-role,agent-role", "'','',"})
  void executionRoleComesFromRunConfigThenAgent(String run, String agent, String expected) {
    String runConfig =
        run.isEmpty() ? null : "{\"type\":\"ECSRun\",\"execution_role_arn\":\"" + run + "\"}";
    EcsRunConfig config =
        EcsRunConfig.of(Fixtures.run("r", runConfig == null ? null : json(runConfig), FLOW));
    ObjectNode definition =
        new TaskDefinitionRenderer(
                settings(agent.isEmpty() ? null : agent, null, null),
                LogSettings.defaults(),
                "us-east-1")
            .render(DEFAULT, config, FLOW, true);

    assertThat(Json.text(definition, "executionRoleArn")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"true,FARGATE", "false,EC2"})
  void compatibilitiesFollowThePlacement(boolean fargate, String expected) {
    ObjectNode definition =
        new TaskDefinitionRenderer(
                settings(null, null, null),
                logs(null, null, null, LogForwarding.NON_PREFECT),
                "us-east-1")
            .render(DEFAULT, EcsRunConfig.empty(), FLOW, fargate);

    assertThat(definition.get("requiresCompatibilities").get(0).asText()).isEqualTo(expected);
  }

  @Test
  void secretArnAndLogGroupGoIntoTheFlowContainer() {
    ObjectNode definition =
        new TaskDefinitionRenderer(
                settings(null, "arn:secret", "/prefect/flows"),
                logs(null, "arn:secret", "/prefect/flows", LogForwarding.NON_PREFECT),
                "eu-west-1")
            .render(DEFAULT, EcsRunConfig.empty(), FLOW, true);
    JsonNode container = flowContainer(definition);

    assertThat(container.get("secrets"))
        .isEqualTo(
            json("{\"s\":[{\"name\":\"PREFECT__CLOUD__API_KEY\",\"valueFrom\":\"arn:secret\"},"
                    + "{\"name\":\"PREFECT__CLOUD__AUTH_TOKEN\",\"valueFrom\":\"arn:secret\"}]}")
                .get("s"));
    assertThat(container.get("logConfiguration"))
        .isEqualTo(
            json(
                "{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/prefect/flows\","
                    + "\"awslogs-region\":\"eu-west-1\",\"awslogs-stream-prefix\":\"prefect\"}}"));
  }

  @ParameterizedTest
  @CsvSource({
    "Test Flow,prefect-test-flow",
    "  ETL: Über--Daten!! ,prefect-etl-uber-daten",
    "'***',prefect-flow"
  })
  void familyIsASlugOfTheFlowName(String name, String family) {
    assertThat(TaskDefinitionRenderer.family(name)).isEqualTo(family);
  }

  @Test
  void withForwardingOffAndNoLogGroupTheFlowContainerGetsNoLogConfiguration() {
    ObjectNode definition =
        new TaskDefinitionRenderer(
                settings(null, null, null), logs(null, null, null, LogForwarding.OFF), "us-east-1")
            .render(DEFAULT, EcsRunConfig.empty(), FLOW, true);

    assertThat(flowContainer(definition).has("logConfiguration")).isFalse();
  }

  @ParameterizedTest
  @EnumSource(LogForwarding.class)
  void aTemplatesOwnLogConfigurationIsKeptWhateverTheSettings(LogForwarding mode) {
    ObjectNode template =
        json(
            "{\"containerDefinitions\":[{\"name\":\"flow\",\"logConfiguration\":"
                + "{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/mine\","
                + "\"awslogs-region\":\"eu-west-1\",\"awslogs-stream-prefix\":\"team\"}}}]}");
    ObjectNode definition =
        new TaskDefinitionRenderer(
                settings(null, null, "/configured"),
                logs(null, null, "/configured", mode),
                "us-east-1")
            .render(template, EcsRunConfig.empty(), FLOW, true);

    assertThat(flowContainer(definition).get("logConfiguration"))
        .isEqualTo(template.get("containerDefinitions").get(0).get("logConfiguration"));
  }

  @Test
  void theDefaultLogConfigurationKeepsTheDefinitionHashStable() {
    TaskDefinitionRenderer renderer =
        new TaskDefinitionRenderer(
            settings(null, null, null),
            logs(null, null, null, LogForwarding.NON_PREFECT),
            "us-east-1");
    String first =
        CanonicalDefinition.of(renderer.render(DEFAULT, EcsRunConfig.empty(), FLOW, true)).sha256();
    String second =
        CanonicalDefinition.of(
                new TaskDefinitionRenderer(
                        settings(null, null, null),
                        logs(null, null, null, LogForwarding.NON_PREFECT),
                        "us-east-1")
                    .render(DEFAULT.deepCopy(), EcsRunConfig.empty(), FLOW, true))
            .sha256();
    String otherGroup =
        CanonicalDefinition.of(
                new TaskDefinitionRenderer(
                        settings(null, null, "/other"),
                        logs(null, null, "/other", LogForwarding.NON_PREFECT),
                        "us-east-1")
                    .render(DEFAULT, EcsRunConfig.empty(), FLOW, true))
            .sha256();

    assertThat(second).isEqualTo(first);
    assertThat(otherGroup).isNotEqualTo(first);
  }
}
