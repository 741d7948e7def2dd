package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentConfigBinderTest {
  @TempDir Path home;

  private ConfigFixture fixture() {
    return new ConfigFixture(home);
  }

  private static FlagOverride flag(String key, Object value, String name) {
    return FlagOverride.of(key, value, name);
  }

  @Test
  void labelsAreDeduplicatedInFirstSeenOrder() {
    AgentConfig c = fixture().env("PREFECT__CLOUD__AGENT__LABELS", "['b', 'a', 'b']").load();
    assertThat(c.labels()).containsExactly("b", "a");
  }

  @Test
  void flagLabelsReplaceConfiguredLabels() {
    AgentConfig c =
        fixture()
            .env("PREFECT__CLOUD__AGENT__LABELS", "['env']")
            .load(flag("cloud.agent.labels", List.of("x", "y"), "--label"));
    assertThat(c.labels()).containsExactly("x", "y");
  }

  @Test
  void everyEcsOptionBindsFromEnvironmentAlone(@TempDir Path dir) throws Exception {
    Path td = Files.writeString(dir.resolve("td.yaml"), "networkMode: awsvpc\n");
    AgentConfig c =
        fixture()
            .env("PREFECT__BACKEND", "server")
            .env("PREFECT__CLOUD__API", "http://prefect-server:4200")
            .env("PREFECT__CLOUD__AGENT__ECS__CLUSTER", "flows")
            .env("PREFECT__CLOUD__AGENT__ECS__CAPACITY_PROVIDER_STRATEGY", "FARGATE:weight=1")
            .env("PREFECT__CLOUD__AGENT__ECS__TASK_ROLE_ARN", "arn:aws:iam::1:role/task")
            .env("PREFECT__CLOUD__AGENT__ECS__EXECUTION_ROLE_ARN", "arn:aws:iam::1:role/exec")
            .env("PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION", td.toString())
            .env("PREFECT__CLOUD__AGENT__ECS__RUN_TASK_KWARGS", "s3://bucket/kwargs.yaml")
            .env("PREFECT__CLOUD__AGENT__ECS__SUBNETS", "[\"subnet-1\",\"subnet-2\"]")
            .env("PREFECT__CLOUD__AGENT__ECS__SECURITY_GROUPS", "[\"sg-1\"]")
            .env("PREFECT__CLOUD__AGENT__ECS__ASSIGN_PUBLIC_IP", "DISABLED")
            .env("PREFECT__CLOUD__AGENT__ECS__LOG_GROUP", "/ecs/flows")
            .env("PREFECT__CLOUD__AGENT__ECS__FORWARD_LOGS", "Failures")
            .env(
                "PREFECT__CLOUD__AGENT__ECS__API_KEY_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-1:1:secret:prefect")
            .env("PREFECT__CLOUD__AGENT__MAX_CONCURRENT_LAUNCHES", "4")
            .env("PREFECT__CLOUD__AGENT__LOG_FORMAT", "JSON")
            .env("PREFECT__CLOUD__AGENT__LEVEL", "warn")
            .env("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "0.0.0.0:8080")
            .env("PREFECT__CLOUD__REQUEST_TIMEOUT", "2.5")
            .env("PREFECT__LOGGING__LEVEL", "DEBUG")
            .load();
    EcsSettings e = c.ecs();
    assertThat(e.cluster()).isEqualTo("flows");
    assertThat(e.launchType()).isNull();
    assertThat(e.capacityProviderStrategy())
        .containsExactly(new CapacityProviderItem("FARGATE", 1, 0));
    assertThat(e.taskRoleArn()).isEqualTo("arn:aws:iam::1:role/task");
    assertThat(e.executionRoleArn()).isEqualTo("arn:aws:iam::1:role/exec");
    assertThat(e.taskDefinitionPath()).isEqualTo(td.toString());
    assertThat(e.runTaskKwargsPath()).isEqualTo("s3://bucket/kwargs.yaml");
    assertThat(e.subnets()).containsExactly("subnet-1", "subnet-2");
    assertThat(e.securityGroups()).containsExactly("sg-1");
    assertThat(e.assignPublicIp()).isFalse();
    assertThat(c.logs().logGroup()).isEqualTo("/ecs/flows");
    assertThat(c.logs().forwardLogs()).isEqualTo(LogForwarding.FAILURES);
    assertThat(e.apiKeySecretArn()).isEqualTo("arn:aws:secretsmanager:eu-west-1:1:secret:prefect");
    assertThat(c.maxConcurrentLaunches()).isEqualTo(4);
    assertThat(c.jsonLogs()).isTrue();
    assertThat(c.agentLogLevel()).isEqualTo("WARNING");
    assertThat(c.agentAddress()).hasToString("http://0.0.0.0:8080");
    assertThat(c.requestTimeout()).hasMillis(2500);
    assertThat(c.flowLogLevel()).isEqualTo("DEBUG");
    assertThat(c.api()).hasToString("http://prefect-server:4200");
  }

  @Test
  void ecsOptionsBindFromATomlFile() {
    AgentConfig c =
        fixture()
            .userFile(
                "[cloud.agent.ecs]\n"
                    + "cluster = \"c\"\n"
                    + "launch_type = \"ec2\"\n"
                    + "subnets = [\"s-1\"]\n"
                    + "assign_public_ip = true\n")
            .load();
    assertThat(c.ecs().launchType()).isEqualTo("EC2");
    assertThat(c.ecs().capacityProviderStrategy()).isEmpty();
    assertThat(c.ecs().subnets()).containsExactly("s-1");
    assertThat(c.ecs().assignPublicIp()).isTrue();
  }

  @Test
  void strategyAsArrayOfTables() {
    AgentConfig c =
        fixture()
            .userFile(
                "[cloud.agent.ecs]\ncapacity_provider_strategy = [\n"
                    + "  {provider = \"FARGATE_SPOT\", weight = 5},\n"
                    + "  {provider = \"FARGATE\", weight = 1, base = 1},\n]\n")
            .load();
    assertThat(c.ecs().capacityProviderStrategy())
        .containsExactly(
            new CapacityProviderItem("FARGATE_SPOT", 5, 0),
            new CapacityProviderItem("FARGATE", 1, 1));
  }

  @Test
  void defaultStrategyMeansClusterDefault() {
    AgentConfig c =
        fixture().load(flag("cloud.agent.ecs.capacity_provider_strategy", "default", "--cps"));
    assertThat(c.ecs().useClusterDefaultStrategy()).isTrue();
    assertThat(c.ecs().capacityProviderStrategy()).isEmpty();
    assertThat(c.ecs().launchType()).isNull();
  }

  @Test
  void launchTypeFlagBeatsStrategyFromAFile() {
    AgentConfig c =
        fixture()
            .userFile("[cloud.agent.ecs]\ncapacity_provider_strategy = \"FARGATE\"\n")
            .load(flag("cloud.agent.ecs.launch_type", "fargate", "--launch-type"));
    assertThat(c.ecs().launchType()).isEqualTo("FARGATE");
    assertThat(c.ecs().capacityProviderStrategy()).isEmpty();
  }

  @Test
  void strategyFlagBeatsLaunchTypeFromEnvironment() {
    AgentConfig c =
        fixture()
            .env("PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE", "EC2")
            .load(flag("cloud.agent.ecs.capacity_provider_strategy", "FARGATE_SPOT", "--cps"));
    assertThat(c.ecs().launchType()).isNull();
    assertThat(c.ecs().capacityProviderStrategy())
        .containsExactly(new CapacityProviderItem("FARGATE_SPOT", 1, 0));
  }

  @Test
  void envLaunchTypeBeatsTheDefaultStrategy() {
    AgentConfig c = fixture().env("PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE", "EC2").load();
    assertThat(c.ecs().launchType()).isEqualTo("EC2");
  }

  @Test
  void flagsSetEverything() {
    AgentConfig c =
        fixture()
            .load(
                flag("cloud.api_key", "k", "--key"),
                flag("cloud.tenant_id", "t", "--tenant-id"),
                flag("cloud.agent.auth_token", "tok", "--token"),
                flag("cloud.agent.agent_config_id", "cfg", "--agent-config-id"),
                flag("cloud.agent.name", "n", "--name"),
                flag("cloud.agent.env_vars", Map.of("K", "V=W"), "--env"),
                flag("cloud.agent.max_polls", 10L, "--max-polls"),
                flag("cloud.send_flow_run_logs", false, "--no-cloud-logs"),
                flag("cloud.agent.level", "debug", "--log-level"));
    assertThat(c.apiKey().reveal()).isEqualTo("k");
    assertThat(c.tenantId()).isEqualTo("t");
    assertThat(c.authToken().reveal()).isEqualTo("tok");
    assertThat(c.agentConfigId()).isEqualTo("cfg");
    assertThat(c.name()).isEqualTo("n");
    assertThat(c.envVars()).containsExactly(Map.entry("K", "V=W"));
    assertThat(c.maxPolls()).isEqualTo(10);
    assertThat(c.sendFlowRunLogs()).isFalse();
    assertThat(c.agentLogLevel()).isEqualTo("DEBUG");
  }

  @Test
  void awsCredentialsSecretFromEnvironment() {
    AgentConfig c =
        fixture()
            .env(
                "PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS",
                "{\"ACCESS_KEY\": \"AKIA1\", \"SECRET_ACCESS_KEY\": \"sk\", \"SESSION_TOKEN\":"
                    + " \"st\"}")
            .load();
    assertThat(c.awsCredentials().accessKeyId()).isEqualTo("AKIA1");
    assertThat(c.awsCredentials().secretAccessKey().reveal()).isEqualTo("sk");
    assertThat(c.awsCredentials().sessionToken().reveal()).isEqualTo("st");
  }

  @Test
  void awsCredentialsSecretFromATomlTable() {
    AgentConfig c =
        fixture()
            .userFile(
                "[context.secrets.AWS_CREDENTIALS]\nACCESS_KEY = \"A\"\nSECRET_ACCESS_KEY ="
                    + " \"S\"\n")
            .load();
    assertThat(c.awsCredentials().accessKeyId()).isEqualTo("A");
    assertThat(c.awsCredentials().sessionToken().isPresent()).isFalse();
  }

  static final String SECRET = "Sup3rS3cretValue";

  /** Input that must fail, and a fragment the one-line problem must contain. */
  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(
            Map.of("PREFECT__BACKEND", "clowd"),
            "backend = \"clowd\" (from env"
                + " PREFECT__BACKEND): unknown backend; use \"server\""),
        Arguments.of(
            Map.of("PREFECT__CLOUD__API", "localhost:4200"),
            "cloud.api ="
                + " \"localhost:4200\" (from env PREFECT__CLOUD__API): not an http(s) URL"),
        Arguments.of(Map.of("PREFECT__CLOUD__API", "ftp://x"), "not an http(s) URL"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__API", "None"),
            "cloud.api = None (from env" + " PREFECT__CLOUD__API): empty; set an http(s) URL"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__LABELS", "dev"),
            "cloud.agent.labels = \"dev\""
                + " (from env PREFECT__CLOUD__AGENT__LABELS): expected a list"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__LABELS", "[['a']]"),
            "expected a list of" + " non-empty strings"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ENV_VARS", "['A']"),
            "cloud.agent.env_vars"
                + " = [\"A\"] (from env PREFECT__CLOUD__AGENT__ENV_VARS): expected a table"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__LEVEL", "TRACE"),
            "unknown log level; use" + " one of DEBUG, INFO, WARNING, ERROR"),
        Arguments.of(Map.of("PREFECT__CLOUD__AGENT__LOG_FORMAT", "xml"), "unknown log format"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__FORWARD_LOGS", "some"),
            "cloud.agent.ecs.forward_logs = \"some\" (from env"
                + " PREFECT__CLOUD__AGENT__ECS__FORWARD_LOGS): unknown log forwarding mode; use one"
                + " of non-prefect, all, failures, off"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE", "EXTERNAL"),
            "cloud.agent.ecs.launch_type = \"EXTERNAL\" (from env"
                + " PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE): unknown launch type; use FARGATE"
                + " or EC2"),
        Arguments.of(
            Map.of(
                "PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE",
                "EC2",
                "PREFECT__CLOUD__AGENT__ECS__CAPACITY_PROVIDER_STRATEGY",
                "FARGATE"),
            "a launch type and a capacity provider strategy cannot be used together; choose one"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__CAPACITY_PROVIDER_STRATEGY", "A:base=1,B:base=1"),
            "only one capacity provider may have a base"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__CAPACITY_PROVIDER_STRATEGY", "A:weight=0"),
            "at least one capacity provider needs a weight above 0"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__CAPACITY_PROVIDER_STRATEGY", "A:weight=2000"),
            "weight 2000 is outside 0..1000"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION", "/no/such/td.yaml"),
            "cloud.agent.ecs.task_definition = \"/no/such/td.yaml\" (from env"
                + " PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION): no such file"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__RUN_TASK_KWARGS", "file:///no/such/kw.yaml"),
            "run_task_kwargs = \"file:///no/such/kw.yaml\""),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__RUN_TASK_KWARGS", "/"), "not a readable file"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "127.0.0.1"), "the port is missing"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://h:99999"),
            "port 99999 is outside 0..65535"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__MAX_CONCURRENT_LAUNCHES", "0"),
            "max_concurrent_launches = 0 (from env"
                + " PREFECT__CLOUD__AGENT__MAX_CONCURRENT_LAUNCHES): must be between 1 and 10000"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__MAX_CONCURRENT_LAUNCHES", "ten"),
            "expected a whole number"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__REQUEST_TIMEOUT", "0"),
            "cloud.request_timeout = 0"
                + " (from env PREFECT__CLOUD__REQUEST_TIMEOUT): must be more than 0"),
        Arguments.of(Map.of("PREFECT__CLOUD__REQUEST_TIMEOUT", "-1.5"), "must be more than 0"),
        Arguments.of(Map.of("PREFECT__CLOUD__REQUEST_TIMEOUT", "15s"), "expected a number"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__MAX_RUN_TASK_RATE", "0"),
            "cloud.agent.ecs.max_run_task_rate = 0 (from env"
                + " PREFECT__CLOUD__AGENT__ECS__MAX_RUN_TASK_RATE): must be more than 0 and at most"
                + " 1000 RunTask calls per second"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__MAX_RUN_TASK_RATE", "5/s"), "expected a number"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", "yes"), "expected true or" + " false"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__ASSIGN_PUBLIC_IP", "maybe"),
            "expected ENABLED, DISABLED, true or false"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__SUBNETS", "subnet-1"),
            "cloud.agent.ecs.subnets = \"subnet-1\""),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__API_KEY_SECRET_ARN", "prefect-key"), "not an ARN"),
        Arguments.of(
            Map.of("PREFECT__CLOUD__AGENT__ECS__SUBNET", "['s']"),
            "cloud.agent.ecs.subnet = [\"s\"] (from env PREFECT__CLOUD__AGENT__ECS__SUBNET):"
                + " unknown ECS setting"),
        Arguments.of(Map.of("PREFECT__CLOUD__AGENT__MAX_POLLS", "-1"), "must be 0 or more"),
        Arguments.of(
            Map.of("PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS", SECRET),
            "context.secrets.AWS_CREDENTIALS = *** (from env"
                + " PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS): expected a table"),
        Arguments.of(
            Map.of("PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS", "{'ACCESS_KEY': 'a'}"),
            "SECRET_ACCESS_KEY is missing"),
        Arguments.of(
            Map.of(
                "PREFECT__CONTEXT__SECRETS__AWS_CREDENTIALS",
                "{'ACCESS_KEY': 'a', 'SECRET_ACCESS_KEY': '" + SECRET + "', 'TOKEN': 1}"),
            "unknown field TOKEN"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("badInputs")
  void badInputIsOneClearLineWithoutSecrets(Map<String, String> env, String expected) {
    ConfigFixture f = fixture();
    env.forEach(f::env);
    assertThatThrownBy(f::load)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains(expected));
              assertThat(e.problems()).allSatisfy(p -> assertThat(p).doesNotContain("\n"));
              assertThat(e.getMessage()).doesNotContain(SECRET);
              assertThat(e.problems()).allSatisfy(p -> assertThat(p).doesNotContain(SECRET));
            });
  }

  @Test
  void apiKeyOfTheWrongTypeIsRedacted() {
    ConfigFixture f = fixture().userFile("[cloud]\napi_key = [\"" + SECRET + "\"]\n");
    assertThatThrownBy(f::load)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "cloud.api_key = *** (from "
                + home
                + "/.prefect/config.toml:2): expected a single value, not a list or table; write"
                + " it as a plain string");
  }

  @Test
  void allDigitApiKeyFromTomlStaysTheExactString() {
    AgentConfig c = fixture().userFile("[cloud]\napi_key = \"00123\"\ntenant_id = 7\n").load();
    assertThat(c.apiKey().reveal()).isEqualTo("00123");
    assertThat(c.tenantId()).isEqualTo("7");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    ConfigFixture f =
        fixture()
            .env("PREFECT__BACKEND", "nope")
            .env("PREFECT__CLOUD__AGENT__LABELS", "x")
            .env("PREFECT__CLOUD__AGENT__LEVEL", "loud")
            .env("PREFECT__CLOUD__REQUEST_TIMEOUT", "0")
            .env("PREFECT__CLOUD__AGENT__ECS__LAUNCH_TYPE", "EC3");
    assertThatThrownBy(f::load)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(5));
  }

  @Test
  void launchTypeAndStrategyAsFlagsConflict() {
    ConfigFixture f = fixture();
    assertThatThrownBy(
            () ->
                f.load(
                    flag("cloud.agent.ecs.launch_type", "EC2", "--launch-type"),
                    flag("cloud.agent.ecs.capacity_provider_strategy", "FARGATE", "--cps")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("(from flag --launch-type)")
        .hasMessageContaining("(from flag --cps)")
        .hasMessageContaining("cannot be used together; choose one");
  }

  @Test
  void unknownBackendDoesNotAlsoComplainAboutTheDerivedApi() {
    assertThatThrownBy(fixture().env("PREFECT__BACKEND", "x")::load)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(1));
  }
}
