package io.github.prefectecs.agent.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiSettings;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.CloudWatchFront;
import io.github.prefectecs.agent.testsupport.MotoServer;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * {@code agent ecs check} against moto and the Prefect Server double: a good set-up passes every
 * check, and each problem it names is found, with a fix, and turns the exit code to 1.
 */
@Timeout(120)
class PreflightIT {
  private static final String KEY = "pcu_checkkey123";
  private static MotoServer moto;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static CloudWatchLogsClient logs;
  private static Ec2QueryVpcLookup lookup;
  @TempDir Path dir;
  private PrefectServerDouble server;
  private String securityGroup;
  private Path template;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    ecs = moto.ecs();
    ec2 = moto.ec2();
    logs = moto.logs();
    lookup =
        new Ec2QueryVpcLookup(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
            "us-east-1",
            Map.of("AWS_ENDPOINT_URL_EC2", moto.endpoint().toString()),
            Duration.ofSeconds(10),
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)));
  }

  @AfterAll
  static void stopMoto() {
    ecs.close();
    ec2.close();
    logs.close();
    moto.close();
  }

  @BeforeEach
  void freshSetUp() throws Exception {
    server = PrefectServerDouble.start();
    moto.reset();
    String vpc =
        ec2.describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
            .vpcs()
            .get(0)
            .vpcId();
    securityGroup =
        ec2.createSecurityGroup(r -> r.groupName("flows").description("flows").vpcId(vpc))
            .groupId();
    template = dir.resolve("task-definition.yaml");
    Files.writeString(
        template,
        "networkMode: awsvpc\ncpu: 1024\nmemory: 2048\ncontainerDefinitions:\n"
            + "  - name: flow\n    memory: 2048\n");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private void clusterWithProviders(String... providers) {
    ecs.createCluster(r -> r.clusterName("flows"));
    if (providers.length > 0) {
      ecs.putClusterCapacityProviders(
          r ->
              r.cluster("flows")
                  .capacityProviders(providers)
                  .defaultCapacityProviderStrategy(
                      s -> s.capacityProvider(providers[0]).weight(1)));
    }
  }

  private EcsSettings settings(UnaryOperator<EcsSettingsDraft> change) {
    EcsSettingsDraft d = change.apply(new EcsSettingsDraft());
    draftLogGroup = d.logGroup;
    return EcsSettings.builder()
        .cluster(d.cluster)
        .roles(d.taskRole, d.executionRole)
        .taskDefinition(d.template == null ? template.toString() : d.template)
        .network(
            d.subnets, d.securityGroups == null ? List.of(securityGroup) : d.securityGroups, null)
        .build();
  }

  /** The settings a test changes; everything else is a good set-up. */
  static final class EcsSettingsDraft {
    String cluster = "flows";
    String taskRole;
    String executionRole;
    String template;
    List<String> subnets = List.of();
    List<String> securityGroups;
    String logGroup;
  }

  /** The log group of the last settings drafted (log settings live beside the ECS ones). */
  private String draftLogGroup;

  private AgentConfig config(EcsSettings settings, Backend backend, String key) {
    AgentConfig base = TestConfigs.server(server.uri(), List.of("ecs", "prod"));
    AgentConfig withIdentity =
        key == null ? base : TestConfigs.withIdentity(base, backend, key, null, null);
    return TestConfigs.withEcs(withIdentity, settings)
        .withLogs(new LogSettings(LogForwarding.NON_PREFECT, draftLogGroup));
  }

  private Result check(AgentConfig config) {
    return check(config, logs);
  }

  private Result check(AgentConfig config, CloudWatchLogsClient logs) {
    GraphqlPrefectApi api =
        new GraphqlPrefectApi(
            PrefectApiSettings.from(config)
                .withRetries(
                    2,
                    new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
                    Duration.ofMillis(10)),
            new OkHttpClient(),
            Clock.systemUTC());
    Preflight.Targets targets =
        new Preflight.Targets(
            api,
            ecs,
            lookup,
            logs,
            "us-east-1",
            () -> {
              EcsLauncher launcher =
                  EcsLauncher.create(config, null, ecs, lookup, Clock.systemUTC());
              try {
                return launcher.preview();
              } finally {
                launcher.close();
              }
            },
            null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try (Preflight preflight = new Preflight(config, targets)) {
      code = preflight.report(new PrintStream(out, true, StandardCharsets.UTF_8));
    } finally {
      api.close();
    }
    return new Result(code, out.toString(StandardCharsets.UTF_8));
  }

  record Result(int code, String output) {
    String line(String name) {
      return output
          .lines()
          .filter(l -> l.startsWith(name + ": "))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no line for " + name + " in\n" + output));
    }
  }

  @Test
  void goodSetUpPassesEveryCheckAndExitsZero() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    logs.createLogGroup(r -> r.logGroupName("/prefect/flow-runs"));

    Result result = check(config(settings(d -> d), null, null));

    assertThat(result.code()).as(result.output()).isZero();
    assertThat(result.output().lines().filter(l -> l.contains(": problem: "))).isEmpty();
    assertThat(result.line("Prefect API")).contains("ok (answers at " + server.uri());
    assertThat(result.line("Prefect tenant")).contains(server.defaultTenantId());
    assertThat(result.line("labels")).contains("[ecs, prod]");
    assertThat(result.line("ECS cluster"))
        .isEqualTo("ECS cluster: ok (flows is ACTIVE in us-east-1)");
    assertThat(result.line("capacity providers")).contains("ok");
    assertThat(result.line("subnets")).contains("ok (none configured; the default VPC vpc-");
    assertThat(result.line("security groups")).contains(securityGroup + "] exist");
    assertThat(result.line("task definition"))
        .contains("ok (renders and is valid: family prefect-preflight-check, cpu 1024");
    assertThat(result.line("log group"))
        .isEqualTo("log group: ok (/prefect/flow-runs (the default) exists)");
    assertThat(result.line("log reading"))
        .isEqualTo("log reading: ok (logs:FilterLogEvents is allowed on /prefect/flow-runs)");
    assertThat(result.output()).contains("checks hold; ready for 'agent ecs start'");
    // Nothing was started or registered.
    assertThat(server.agents()).isEmpty();
    assertThat(ecs.listTaskDefinitions(r -> {}).taskDefinitionArns()).isEmpty();
    assertThat(ecs.listTasks(r -> r.cluster("flows")).taskArns()).isEmpty();
  }

  @Test
  void missingLogGroupWillBeCreatedAndIsNoProblem() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");

    Result result =
        check(
            config(
                settings(
                    d -> {
                      d.logGroup = "/team/flows";
                      return d;
                    }),
                null,
                null));

    assertThat(result.line("log group"))
        .isEqualTo(
            "log group: ok (/team/flows does not exist yet; it will be created at start-up"
                + " (needs logs:CreateLogGroup))");
  }

  @Test
  void refusedLogReadingIsAProblemNamingThePermissionAndTheGroup() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    logs.createLogGroup(r -> r.logGroupName("/prefect/flow-runs"));
    try (CloudWatchFront front = CloudWatchFront.of(moto.endpoint());
        CloudWatchLogsClient refusing = front.logs()) {
      front.deny("/prefect/flow-runs");

      Result result = check(config(settings(d -> d), null, null), refusing);

      assertThat(result.code()).isEqualTo(1);
      assertThat(result.line("log reading"))
          .startsWith(
              "log reading: problem: AWS denied logs:FilterLogEvents on /prefect/flow-runs, so"
                  + " flow task output cannot be forwarded into run logs: ")
          .contains(
              "allow logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:"
                  + "/prefect/flow-runs:* to the agent's IAM role or user, or set --forward-logs off");
    }
  }

  @Test
  void clusterWithoutTheStrategysProvidersIsAProblem() {
    clusterWithProviders();

    Result result = check(config(settings(d -> d), null, null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("capacity providers"))
        .contains("problem: cluster flows lacks [FARGATE_SPOT, FARGATE]")
        .contains("fix: attach them (aws ecs put-cluster-capacity-providers --cluster flows");
  }

  @Test
  void missingClusterIsAProblem() {
    Result result =
        check(
            config(
                settings(
                    d -> {
                      d.cluster = "nope";
                      return d;
                    }),
                null,
                null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("ECS cluster"))
        .contains("problem: cluster nope not found in us-east-1")
        .contains("fix: create it (aws ecs create-cluster --cluster-name nope)");
  }

  @Test
  void missingSubnetAndSecurityGroupAreProblems() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    String subnet = ec2.describeSubnets(r -> {}).subnets().get(0).subnetId();

    Result result =
        check(
            config(
                settings(
                    d -> {
                      d.subnets = List.of(subnet, "subnet-0000000000000dead");
                      d.securityGroups = List.of("sg-0000000000000dead");
                      return d;
                    }),
                null,
                null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("subnets"))
        .contains("problem: [subnet-0000000000000dead] not found in us-east-1")
        .contains("fix: correct --subnet");
    assertThat(result.line("security groups"))
        .contains("problem: [sg-0000000000000dead] not found")
        .contains("fix: correct --security-group");
  }

  @Test
  void templateFargateCannotRunAndMalformedRolesAreProblems() throws Exception {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    Path noCpu = dir.resolve("no-cpu.yaml");
    Files.writeString(noCpu, "containerDefinitions:\n  - name: flow\n    memory: 512\n");

    Result result =
        check(
            config(
                settings(
                    d -> {
                      d.template = noCpu.toString();
                      d.taskRole = "arn:aws:iam::12345:role/short-account";
                      d.executionRole = "ecsTaskExecutionRole";
                      return d;
                    }),
                null,
                null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("task definition"))
        .contains("problem: Fargate needs networkMode: awsvpc, cpu, memory in the task definition");
    assertThat(result.line("task role"))
        .contains("problem: 'arn:aws:iam::12345:role/short-account'");
    assertThat(result.line("execution role"))
        .contains("problem: 'ecsTaskExecutionRole' is not an IAM role ARN");
  }

  @Test
  void unreadableTemplateIsAProblemNamingTheFile() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    String missing = dir.resolve("missing.yaml").toString();

    Result result =
        check(
            config(
                settings(
                    d -> {
                      d.template = missing;
                      return d;
                    }),
                null,
                null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("task definition")).contains("problem: ").contains("missing.yaml");
  }

  @Test
  void prefectApiDownIsAProblem() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    server.setDown(true);

    Result result = check(config(settings(d -> d), null, null));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("Prefect API"))
        .contains("problem: cannot reach the Prefect API at " + server.uri())
        .contains("fix: start the Prefect API or correct the address with --api");
    assertThat(result.line("labels")).contains("ok");
  }

  @Test
  void rejectedApiKeyIsAProblemAndTheKeyIsNeverPrinted() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    server.requireApiKey("pcu_theRightKey");

    Result result = check(config(settings(d -> d), Backend.SERVER, KEY));

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.line("Prefect authentication"))
        .contains("problem: the API rejected the agent's credentials")
        .contains("fix: set a valid API key with --key");
    assertThat(result.output()).doesNotContain(KEY).doesNotContain("pcu_theRightKey");
  }

  @Test
  void acceptedApiKeyIsOk() {
    clusterWithProviders("FARGATE", "FARGATE_SPOT");
    server.requireApiKey(KEY);

    Result result = check(config(settings(d -> d), Backend.SERVER, KEY));

    assertThat(result.line("Prefect authentication"))
        .isEqualTo("Prefect authentication: ok (API key accepted)");
    assertThat(result.output()).doesNotContain(KEY);
  }
}
