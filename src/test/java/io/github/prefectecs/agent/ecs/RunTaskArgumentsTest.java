package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Per-run RunTask arguments: the reference's checklist §8.4 plus traceability. */
class RunTaskArgumentsTest {
  private static final EcsSettings EC2 = EcsSettings.builder().launchType("EC2").build();

  private static ObjectNode build(AgentConfig config, ObjectNode fileKwargs, String runConfig) {
    return build(config, fileKwargs, runConfig, null);
  }

  private static ObjectNode build(
      AgentConfig config, ObjectNode fileKwargs, String runConfig, String tenantId) {
    FlowRun run = run("flow-run-id", runConfig == null ? null : json(runConfig));
    RunTaskArguments arguments =
        new RunTaskArguments(
            config.ecs(),
            RunTaskKwargs.agentKwargs(config.ecs(), fileKwargs, null),
            new FlowEnvironment(config, tenantId),
            config.name());
    return arguments.build(run, EcsRunConfig.of(run));
  }

  private static Map<String, String> env(ObjectNode kwargs) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode entry : kwargs.at("/overrides/containerOverrides/0/environment")) {
      env.put(entry.get("name").asText(), entry.get("value").asText());
    }
    return env;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void environmentIsExactlyTheReferenceEnvironmentWithItsPrecedence(Backend backend) {
    Map<String, String> agentEnv = new LinkedHashMap<>();
    agentEnv.put("CUSTOM2", "OVERRIDE2");
    agentEnv.put("CUSTOM3", "VALUE3");
    AgentConfig config = Fixtures.config(EC2, backend, "", "", List.of(), agentEnv);
    ObjectNode file =
        json(
            "{\"overrides\":{\"containerOverrides\":[{\"name\":\"flow\",\"environment\":["
                + "{\"name\":\"CUSTOM1\",\"value\":\"VALUE1\"},{\"name\":\"CUSTOM2\",\"value\":\"VALUE2\"}]}]}}");

    ObjectNode kwargs =
        build(
            config,
            file,
            "{\"type\":\"ECSRun\",\"env\":{\"CUSTOM3\":\"OVERRIDE3\",\"CUSTOM4\":\"VALUE4\"}}");

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("PREFECT__LOGGING__LEVEL", "INFO");
    expected.put("CUSTOM2", "OVERRIDE2");
    expected.put("CUSTOM3", "OVERRIDE3");
    expected.put("CUSTOM4", "VALUE4");
    expected.put("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false");
    expected.put(
        "PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudFlowRunner");
    expected.put(
        "PREFECT__ENGINE__TASK_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudTaskRunner");
    expected.put("PREFECT__BACKEND", backend.configName());
    expected.put("PREFECT__CLOUD__API", config.api().toString());
    expected.put("PREFECT__CONTEXT__FLOW_RUN_ID", "flow-run-id");
    expected.put("PREFECT__CONTEXT__FLOW_ID", "flow-id");
    expected.put("PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", "true");
    expected.put("PREFECT__CLOUD__AUTH_TOKEN", "");
    expected.put("PREFECT__CLOUD__API_KEY", "");
    expected.put("PREFECT__CLOUD__TENANT_ID", "");
    expected.put("PREFECT__CLOUD__AGENT__LABELS", "[]");
    expected.put("PREFECT__LOGGING__LOG_TO_CLOUD", "true");
    expected.put("CUSTOM1", "VALUE1");
    assertThat(env(kwargs)).containsExactlyEntriesOf(expected);
  }

  @ParameterizedTest(name = "[{index}] key={0} token={1} tenant={2}")
  @CsvSource(
      value = {
        "'',TEST_TOKEN,ID,TEST_TOKEN,'',''",
        "TEST_KEY,'',ID,TEST_KEY,TEST_KEY,ID",
        "TEST_KEY,TEST_TOKEN,ID,TEST_TOKEN,TEST_KEY,ID",
        "TEST_KEY,'','',TEST_KEY,TEST_KEY,''"
      })
  void credentialsVariablesFollowTheReference(
      String key, String token, String tenant, String authEnv, String keyEnv, String tenantEnv) {
    AgentConfig config = Fixtures.config(EC2, Backend.CLOUD, key, token, List.of(), Map.of());

    Map<String, String> env = env(build(config, null, null, tenant.isEmpty() ? null : tenant));

    assertThat(env)
        .containsEntry("PREFECT__CLOUD__AUTH_TOKEN", authEnv)
        .containsEntry("PREFECT__CLOUD__API_KEY", keyEnv)
        .containsEntry("PREFECT__CLOUD__TENANT_ID", tenantEnv);
  }

  @ParameterizedTest(name = "[{index}] agent={0} run={1}")
  @CsvSource({"'','',INFO", "TEST2,'',TEST2", "TEST2,TEST,TEST"})
  void loggingLevelPrecedence(String agentLevel, String runLevel, String expected) {
    Map<String, String> agentEnv =
        agentLevel.isEmpty() ? Map.of() : Map.of("PREFECT__LOGGING__LEVEL", agentLevel);
    String runConfig =
        runLevel.isEmpty()
            ? null
            : "{\"type\":\"ECSRun\",\"env\":{\"PREFECT__LOGGING__LEVEL\":\"" + runLevel + "\"}}";
    AgentConfig config = Fixtures.config(EC2, Backend.CLOUD, "", "", List.of(), agentEnv);

    assertThat(env(build(config, null, runConfig)))
        .containsEntry("PREFECT__LOGGING__LEVEL", expected);
  }

  @Test
  void labelsArePassedAsAPythonListRepr() {
    AgentConfig config =
        Fixtures.config(EC2, Backend.CLOUD, "", "", List.of("dev", "it's"), Map.of());

    assertThat(env(build(config, null, null)))
        .containsEntry("PREFECT__CLOUD__AGENT__LABELS", "['dev', \"it's\"]");
  }

  @Test
  void overridesFromFileAndRunConfigMergeAndRunConfigSizesWin() {
    AgentConfig config = Fixtures.config(EC2);
    ObjectNode kwargs =
        build(
            config,
            json("{\"overrides\":{\"cpu\":1024,\"memory\":\"2048\"}}"),
            "{\"type\":\"ECSRun\",\"cpu\":\"2048\",\"run_task_kwargs\":{\"overrides\":"
                + "{\"taskRoleArn\":\"testing\"},\"enableECSManagedTags\":true}}");

    ObjectNode overrides = (ObjectNode) kwargs.get("overrides").deepCopy();
    overrides.remove("containerOverrides");
    assertThat(overrides)
        .isEqualTo(json("{\"cpu\":\"2048\",\"memory\":\"2048\",\"taskRoleArn\":\"testing\"}"));
    assertThat(kwargs.get("launchType").asText()).isEqualTo("EC2");
    assertThat(kwargs.get("enableECSManagedTags").asBoolean()).isTrue();
  }

  @ParameterizedTest(name = "[{index}] run={0} agent={1}")
  @CsvSource({"run-role,agent-role,run-role", "'',agent-role,agent-role", "'','',"})
  void rolesComeFromRunConfigThenAgent(String runRole, String agentRole, String expected) {
    EcsSettings settings =
        EcsSettings.builder()
            .launchType("EC2")
            .roles(agentRole.isEmpty() ? null : agentRole, agentRole.isEmpty() ? null : agentRole)
            .build();
    String runConfig =
        runRole.isEmpty()
            ? null
            : "{\"type\":\"ECSRun\",\"task_role_arn\":\""
                + runRole
                + "\",\"execution_role_arn\":\""
                + runRole
                + "\"}";

    JsonNode overrides = build(Fixtures.config(settings), null, runConfig).get("overrides");

    assertThat(Json.text(overrides, "taskRoleArn")).isEqualTo(expected);
    assertThat(Json.text(overrides, "executionRoleArn")).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] core {0}")
  @CsvSource({
    "0.15.13,prefect execute flow-run",
    "0.13.0,prefect execute flow-run",
    "0.12.6,prefect execute cloud-flow",
    "0.12.6+local,prefect execute cloud-flow",
    "'',prefect execute cloud-flow"
  })
  void commandDependsOnTheFlowsCoreVersion(String core, String command) {
    Flow flow = new Flow("flow-id", "F", null, null, 1, core.isEmpty() ? null : core);
    FlowRun run = run("flow-run-id", null, flow);
    AgentConfig config = Fixtures.config(EC2);
    ObjectNode kwargs =
        new RunTaskArguments(
                EC2,
                RunTaskKwargs.agentKwargs(EC2, null, null),
                new FlowEnvironment(config, null),
                "agent")
            .build(run, EcsRunConfig.empty());

    assertThat(kwargs.at("/overrides/containerOverrides/0/command"))
        .isEqualTo(Json.array().add("/bin/sh").add("-c").add(command));
  }

  @Test
  void everyTaskIsTraceableToItsRun() {
    ObjectNode kwargs =
        build(
            Fixtures.config(EC2), json("{\"tags\":[{\"key\":\"team\",\"value\":\"data\"}]}"), null);

    assertThat(kwargs.get("startedBy").asText()).isEqualTo("flow-run-id");
    assertThat(kwargs.get("clientToken").asText()).isEqualTo("flow-run-id-1");
    assertThat(kwargs.get("tags"))
        .isEqualTo(
            json("{\"t\":[{\"key\":\"team\",\"value\":\"data\"},"
                    + "{\"key\":\"prefect:flow-run-id\",\"value\":\"flow-run-id\"},"
                    + "{\"key\":\"prefect:flow-id\",\"value\":\"flow-id\"},"
                    + "{\"key\":\"prefect:agent\",\"value\":\"agent\"},"
                    + "{\"key\":\"prefect:flow-name\",\"value\":\"Test Flow\"}]}")
                .get("t"));
    assertThat(kwargs.has("enableECSManagedTags")).isFalse();
    assertThat(kwargs.get("propagateTags").asText()).isEqualTo("TASK_DEFINITION");
  }

  @Test
  void apiKeyFromASecretIsNotPutInTheOverrides() {
    EcsSettings settings =
        EcsSettings.builder()
            .launchType("EC2")
            .apiKeySecretArn("arn:aws:secretsmanager:us-east-1:1:secret:key")
            .build();
    AgentConfig config =
        Fixtures.config(settings, Backend.CLOUD, "SECRET_KEY", "", List.of(), Map.of());

    ObjectNode kwargs = build(config, null, null, "ID");

    assertThat(env(kwargs))
        .doesNotContainKeys("PREFECT__CLOUD__API_KEY", "PREFECT__CLOUD__AUTH_TOKEN")
        .containsEntry("PREFECT__CLOUD__TENANT_ID", "ID");
    assertThat(Json.write(kwargs)).doesNotContain("SECRET_KEY");
  }

  @Test
  void oversizedOverridesAreRejectedNamingTheSize() {
    String big = "x".repeat(9000);

    assertThatThrownBy(
            () ->
                build(
                    Fixtures.config(EC2),
                    null,
                    "{\"type\":\"ECSRun\",\"env\":{\"BIG\":\"" + big + "\"}}"))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessageContaining("characters, over ECS's limit of 8192")
        .hasMessageContaining("env");
  }
}
