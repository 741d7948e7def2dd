package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path home;

  private ConfigFixture fixture() {
    return new ConfigFixture(home);
  }

  @Test
  void defaultsPointAtPrefectCloud() {
    AgentConfig c = fixture().load();
    assertThat(c.backend()).isEqualTo(Backend.CLOUD);
    assertThat(c.api()).hasToString("https://api.prefect.io");
    assertThat(c.name()).isEqualTo("agent");
    assertThat(c.labels()).isEmpty();
    assertThat(c.envVars()).isEmpty();
    assertThat(c.apiKey().isPresent()).isFalse();
    assertThat(c.tenantId()).isNull();
    assertThat(c.agentAddress()).isNull();
    assertThat(c.sendFlowRunLogs()).isTrue();
    assertThat(c.agentLogLevel()).isEqualTo("INFO");
    assertThat(c.flowLogLevel()).isEqualTo("INFO");
    assertThat(c.jsonLogs()).isFalse();
    assertThat(c.requestTimeout()).hasSeconds(15);
    assertThat(c.maxConcurrentLaunches()).isEqualTo(10);
    assertThat(c.maxPolls()).isNull();
    assertThat(c.ecs()).isEqualTo(EcsSettings.defaults());
    assertThat(c.awsCredentials()).isNull();
  }

  @Test
  void backendServerAlonePointsAtLocalServer() {
    AgentConfig c = fixture().env("PREFECT__BACKEND", "server").load();
    assertThat(c.backend()).isEqualTo(Backend.SERVER);
    assertThat(c.api()).hasToString("http://localhost:4200");
  }

  @Test
  void serverHostMovesTheDerivedApi() {
    AgentConfig c =
        fixture()
            .env("PREFECT__BACKEND", "server")
            .env("PREFECT__SERVER__HOST", "http://prefect-server")
            .env("PREFECT__SERVER__PORT", "4201")
            .load();
    assertThat(c.api()).hasToString("http://prefect-server:4201");
  }

  @Test
  void backendFileSelectsServer() {
    AgentConfig c = fixture().backendFile("backend = \"server\"\n").load();
    assertThat(c.api()).hasToString("http://localhost:4200");
  }

  @Test
  void explicitApiReplacesTheTemplateOutright() {
    ResolvedConfig r =
        fixture()
            .env("PREFECT__BACKEND", "server")
            .env("PREFECT__SERVER__HOST", "http://ignored")
            .env("PREFECT__CLOUD__API", "https://prefect.example.com/graphql/")
            .resolve();
    assertThat(r.entry("cloud.api").value()).isEqualTo("https://prefect.example.com/graphql/");
    assertThat(r.entry("cloud.api").interpolated()).isFalse();
    assertThat(r.entry("cloud.graphql").value())
        .isEqualTo("https://prefect.example.com/graphql//graphql");
    assertThat(ConfigLoader.validate(r).api()).hasToString("https://prefect.example.com/graphql");
  }

  @Test
  void apiFlagBeatsEnvironmentAndKeepsGraphqlSuffix() {
    AgentConfig c =
        fixture()
            .env("PREFECT__CLOUD__API", "http://env:4200")
            .load(FlagOverride.of("cloud.api", "http://flag:4200/graphql", "--api"));
    assertThat(c.api()).hasToString("http://flag:4200/graphql");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // nested reference, whole value keeps its type
        "a = \"${${sel}.v}\"\\nsel = \"t\"\\n[t]\\nv = 5|a|5",
        // partial reference splices text
        "a = \"port-${t.v}!\"\\n[t]\\nv = 5|a|port-5!",
        // missing key gives the empty string
        "a = \"x${no.such.key}y\"|a|xy",
        "a = \"${no.such.key}\"|a|''",
        // references resolve after casting: a quoted number is a number
        "a = \"${t.v}\"\\n[t]\\nv = \"7\"|a|7",
        // a chain
        "a = \"${b}\"\\nb = \"${c}\"\\nc = \"end\"|a|end",
        // two references in one value
        "a = \"${b}-${c}\"\\nb = \"x\"\\nc = \"y\"|a|x-y"
      })
  void interpolatesReferences(String toml, String key, String expected) {
    Object value = fixture().userFile(toml.replace("\\n", "\n")).value(key);
    assertThat(String.valueOf(value)).isEqualTo(expected);
  }

  @Test
  void wholeValueReferenceKeepsListType() {
    Object value =
        fixture()
            .userFile("[cloud.agent]\nlabels = \"${mine}\"\n[x]\n")
            .env("PREFECT__MINE", "['a', 'b']")
            .value("cloud.agent.labels");
    assertThat(value).isEqualTo(List.of("a", "b"));
  }

  @Test
  void interpolatedEntryRemembersTemplateAndReferences() {
    ConfigEntry api = fixture().env("PREFECT__BACKEND", "server").resolve().entry("cloud.api");
    assertThat(api.template()).isEqualTo("${${backend}.endpoint}");
    assertThat(api.references()).startsWith("backend", "server.endpoint");
    assertThat(api.origin()).isEqualTo(Origin.defaults());
  }

  @Test
  void referenceCycleIsAnErrorNamingTheKeys() {
    ConfigFixture f = fixture().userFile("a = \"${b}\"\nb = \"x${a}\"\n");
    assertThatThrownBy(f::resolve)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a, b")
        .hasMessageContaining("cycle");
  }

  @Test
  void environmentValuesAreExpandedAndCast() {
    ResolvedConfig r =
        fixture()
            .env("REGION", "eu-west-1")
            .env("PREFECT__CLOUD__AGENT__ENV_VARS", "{\"AWS_REGION\": \"$REGION\", \"N\": \"1\"}")
            .env("PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", "FALSE")
            .env("PREFECT__CLOUD__AGENT__ECS__LOG_GROUP", "/ecs/${REGION}")
            .env("PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION", "~/td.yaml")
            .env("PREFECT__CLOUD__TENANT_ID", "None")
            .resolve();
    // Expansion runs on the whole string before casting, so it reaches inside the map.
    assertThat(r.entry("cloud.agent.env_vars").value())
        .isEqualTo(Map.of("AWS_REGION", "eu-west-1", "N", "1"));
    assertThat(r.entry("cloud.send_flow_run_logs").value()).isEqualTo(false);
    assertThat(r.entry("cloud.agent.ecs.log_group").value()).isEqualTo("/ecs/eu-west-1");
    assertThat(r.entry("cloud.agent.ecs.task_definition").value()).isEqualTo(home + "/td.yaml");
    assertThat(r.entry("cloud.tenant_id").value()).isEqualTo("None");
  }

  @Test
  void identifiersAndSecretsStayStrings() {
    AgentConfig c =
        fixture()
            .env("PREFECT__CLOUD__API_KEY", "0123456789")
            .env("PREFECT__CLOUD__TENANT_ID", "42")
            .env("PREFECT__CLOUD__AGENT__AUTH_TOKEN", "True")
            .load();
    assertThat(c.apiKey().reveal()).isEqualTo("0123456789");
    assertThat(c.tenantId()).isEqualTo("42");
    assertThat(c.authToken().reveal()).isEqualTo("True");
  }

  @Test
  void tomlStringsAreCastLikeEnvironmentValues() {
    ResolvedConfig r =
        fixture()
            .userFile(
                "[server]\nport = \"4300\"\n[cloud]\nrequest_timeout = \"2.5\"\n"
                    + "[cloud.agent]\nlabels = \"['a']\"\n")
            .resolve();
    assertThat(r.entry("server.port").value()).isEqualTo(4300L);
    assertThat(r.entry("cloud.request_timeout").value()).isEqualTo(2.5);
    assertThat(r.entry("cloud.agent.labels").value()).isEqualTo(List.of("a"));
  }

  @Test
  void secretsKeepTheirCaseInEnvironmentNames() {
    ResolvedConfig r =
        fixture()
            .env("PREFECT__CONTEXT__SECRETS__MyKey", "v")
            .env("PREFECT__CLOUD__AGENT__Name", "n")
            .resolve();
    assertThat(r.entry(List.of("context", "secrets", "MyKey")).value()).isEqualTo("v");
    assertThat(r.entry("cloud.agent.name").value()).isEqualTo("n");
  }

  @Test
  void ignoresEnvironmentNamesWithEmptyParts() {
    ResolvedConfig r = fixture().env("PREFECT__", "x").env("PREFECT__CLOUD____API", "y").resolve();
    assertThat(r.entry("cloud.api").value()).isEqualTo("https://api.prefect.io");
  }

  @Test
  void filesDeepMergeTables() {
    ResolvedConfig r =
        fixture()
            .userFile("[cloud.agent.env_vars]\nA = \"1\"\nB = \"2\"\n")
            .backendFile("[cloud.agent.env_vars]\nB = \"3\"\n")
            .resolve();
    AgentConfig c = ConfigLoader.validate(r);
    assertThat(c.envVars()).containsExactly(Map.entry("A", "1"), Map.entry("B", "3"));
  }

  @Test
  void environmentValueReplacesAWholeTable() {
    AgentConfig c =
        fixture()
            .userFile("[cloud.agent.env_vars]\nA = \"1\"\n")
            .env("PREFECT__CLOUD__AGENT__ENV_VARS", "{\"C\": \"3\"}")
            .load();
    assertThat(c.envVars()).containsExactly(Map.entry("C", "3"));
  }

  @Test
  void userConfigPathIsHonoured() {
    Path custom = home.resolve("etc/agent.toml");
    ConfigFixture f = fixture().write(custom, "[cloud.agent]\nname = \"custom\"\n");
    f.userFile("[cloud.agent]\nname = \"ignored\"\n");
    f.env("PREFECT__USER_CONFIG_PATH", custom.toString());
    ConfigEntry name = f.resolve().entry("cloud.agent.name");
    assertThat(name.value()).isEqualTo("custom");
    assertThat(name.origin().description()).isEqualTo(custom + ":2");
  }

  @Test
  void missingUserConfigPathIsAnError() {
    ConfigFixture f = fixture().env("PREFECT__USER_CONFIG_PATH", home + "/nope.toml");
    assertThatThrownBy(f::resolve)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "PREFECT__USER_CONFIG_PATH names "
                + home
                + "/nope.toml, which does not exist; create the file or unset"
                + " PREFECT__USER_CONFIG_PATH");
  }

  @Test
  void missingDefaultFilesAreFine() {
    assertThat(fixture().env("PREFECT__BACKEND_CONFIG_PATH", home + "/none.toml").load())
        .isNotNull();
  }

  @Test
  void invalidTomlIsReportedWithFileLineAndColumnForEveryFile() {
    ConfigFixture f =
        fixture().userFile("[cloud\nname = 1\n").backendFile("backend = \"server\"\nbackend = 2\n");
    assertThatThrownBy(f::resolve)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith(home + "/.prefect/config.toml:1:7: invalid TOML: ")
                                .endsWith("; fix the file at that line"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith(home + "/.prefect/backend.toml:2:1: invalid TOML: ")
                                .contains("backend previously defined")));
  }

  @Test
  void invalidTomlOnASecretLineHidesTheDetails() {
    ConfigFixture f = fixture().userFile("[cloud]\napi_key = s3cr3tvalue\n");
    assertThatThrownBy(f::resolve)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config.toml:2:")
        .hasMessageContaining("details hidden")
        .hasMessageNotContaining("s3cr3t")
        .hasMessageNotContaining("'s'");
  }

  @Test
  void envPathMapsNames() {
    assertThat(ConfigLoader.envPath("PREFECT__CLOUD__AGENT__LABELS"))
        .containsExactly("cloud", "agent", "labels");
    assertThat(ConfigLoader.envPath("PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS"))
        .containsExactly("context", "secrets", "AWS_CREDENTIALS");
    assertThat(ConfigLoader.envPath("OTHER")).isNull();
  }
}
