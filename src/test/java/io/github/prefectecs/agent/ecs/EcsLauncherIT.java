package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.run;
import static io.github.prefectecs.agent.ecs.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.aws.S3ObjectReader;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/** The launcher against the moto AWS emulator: real SDK clients over loopback HTTP. */
class EcsLauncherIT {
  private static final String CLUSTER = "test-cluster";
  private static MotoServer moto;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static VpcLookup lookup;
  @TempDir Path dir;
  private String securityGroup;
  private Path template;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    ecs = moto.ecs();
    ec2 = moto.ec2();
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
    moto.close();
  }

  @BeforeEach
  void freshAccount() {
    try (MotoAccount account = MotoAccount.fresh(moto, CLUSTER)) {
      securityGroup = account.securityGroup();
    }
    template = MotoAccount.writeTemplate(dir);
  }

  private EcsSettings settings() {
    return EcsSettings.builder()
        .cluster(CLUSTER)
        .taskDefinition(template.toString())
        .network(List.of(), List.of(securityGroup), null)
        .build();
  }

  private EcsLauncher launcher() {
    return EcsLauncher.create(Fixtures.config(settings()), null, ecs, lookup, Clock.systemUTC());
  }

  @Test
  void launchRunsTheTaskWithStrategyOverridesStartedByAndTags() {
    EcsLauncher launcher = launcher();
    launcher.start();

    LaunchResult result =
        launcher.launch(
            run(uuid(1), json("{\"type\":\"ECSRun\",\"env\":{\"CUSTOM\":\"yes\"},\"cpu\":2048}")),
            1);

    assertThat(result).isInstanceOf(LaunchResult.Launched.class);
    String arn = ((LaunchResult.Launched) result).taskArn();
    Task task =
        ecs.describeTasks(r -> r.cluster(CLUSTER).tasks(arn).include(TaskField.TAGS))
            .tasks()
            .get(0);
    assertThat(task.startedBy()).isEqualTo(uuid(1));
    assertThat(task.capacityProviderName()).isIn("FARGATE_SPOT", "FARGATE");
    assertThat(task.tags())
        .extracting(Tag::key, Tag::value)
        .contains(
            org.assertj.core.groups.Tuple.tuple("prefect:flow-run-id", uuid(1)),
            org.assertj.core.groups.Tuple.tuple("prefect:flow-id", "flow-id"),
            org.assertj.core.groups.Tuple.tuple("prefect:agent", "agent"));
    // The network configuration inferred from the default VPC reached ECS.
    assertThat(task.attachments().get(0).details())
        .filteredOn(d -> d.name().equals("subnetId"))
        .singleElement()
        .satisfies(d -> assertThat(defaultSubnets()).contains(d.value()));
    assertThat(task.overrides().cpu()).isEqualTo("2048");
    ContainerOverride flow = task.overrides().containerOverrides().get(0);
    assertThat(flow.name()).isEqualTo("flow");
    assertThat(flow.command()).containsExactly("/bin/sh", "-c", "prefect execute flow-run");
    Map<String, String> env =
        flow.environment().stream()
            .collect(Collectors.toMap(KeyValuePair::name, KeyValuePair::value));
    assertThat(env)
        .containsEntry("PREFECT__CONTEXT__FLOW_RUN_ID", uuid(1))
        .containsEntry("CUSTOM", "yes")
        .containsEntry("PREFECT__BACKEND", "cloud");
    assertThat(task.taskDefinitionArn()).contains(":task-definition/prefect-test-flow:1");
  }

  @Test
  void aSecondLauncherReusesTheRevisionByItsHashTagAndSeesTheRunningTask() {
    EcsLauncher first = launcher();
    first.start();
    String arn = ((LaunchResult.Launched) first.launch(run(uuid(1), null), 1)).taskArn();

    EcsLauncher second = launcher();
    Map<String, String> running = second.start();
    LaunchResult again = second.launch(run(uuid(1), null), 1);
    LaunchResult other = second.launch(run(uuid(2), null), 1);

    assertThat(running).containsEntry(uuid(1), arn);
    assertThat(again)
        .isEqualTo(new LaunchResult.Launched(arn, List.of(EcsLauncher.ALREADY_RUNNING)));
    assertThat(other).isInstanceOf(LaunchResult.Launched.class);
    assertThat(
            ecs.listTaskDefinitions(r -> r.familyPrefix("prefect-test-flow")).taskDefinitionArns())
        .hasSize(1);
    assertThat(ecs.listTasks(r -> r.cluster(CLUSTER)).taskArns()).hasSize(2);
  }

  @Test
  void changedDefinitionContentRegistersANewRevision() {
    EcsLauncher launcher = launcher();
    launcher.start();
    launcher.launch(run(uuid(1), json("{\"type\":\"ECSRun\",\"image\":\"a:1\"}")), 1);
    launcher.launch(run(uuid(2), json("{\"type\":\"ECSRun\",\"image\":\"b:1\"}")), 1);
    launcher.launch(run(uuid(3), json("{\"type\":\"ECSRun\",\"image\":\"a:1\"}")), 1);

    assertThat(
            ecs.listTaskDefinitions(r -> r.familyPrefix("prefect-test-flow")).taskDefinitionArns())
        .hasSize(2);
  }

  private static List<String> defaultSubnets() {
    String vpc =
        ec2.describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
            .vpcs()
            .get(0)
            .vpcId();
    return ec2
        .describeSubnets(r -> r.filters(Filter.builder().name("vpc-id").values(vpc).build()))
        .subnets()
        .stream()
        .map(s -> s.subnetId())
        .toList();
  }

  @Test
  void defaultVpcSubnetsAreInferred() {
    List<String> defaultSubnets = defaultSubnets();

    var network = DefaultNetwork.infer(lookup, List.of(securityGroup));

    assertThat(network.at("/awsvpcConfiguration/assignPublicIp").asText()).isEqualTo("ENABLED");
    List<String> subnets = new java.util.ArrayList<>();
    network.at("/awsvpcConfiguration/subnets").forEach(s -> subnets.add(s.asText()));
    assertThat(subnets).isNotEmpty().isSubsetOf(defaultSubnets);
  }

  @Test
  void queryApiLookupReadsTheDefaultVpcAndEverySubnetAsTheSdkSeesThem() {
    var sdkVpc =
        ec2.describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
            .vpcs()
            .get(0);
    List<VpcLookup.Subnet> expected =
        ec2
            .describeSubnets(
                r -> r.filters(Filter.builder().name("vpc-id").values(sdkVpc.vpcId()).build()))
            .subnets()
            .stream()
            .map(
                s ->
                    new VpcLookup.Subnet(
                        s.subnetId(),
                        s.availabilityZone(),
                        s.defaultForAz(),
                        s.mapPublicIpOnLaunch()))
            .toList();

    VpcLookup.DefaultVpc vpc = lookup.defaultVpc().orElseThrow();

    assertThat(vpc.vpcId()).isEqualTo(sdkVpc.vpcId());
    assertThat(vpc.subnets()).isNotEmpty().containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void noDefaultVpcFailsStartWithOneLine() {
    String vpc =
        ec2.describeVpcs(r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
            .vpcs()
            .get(0)
            .vpcId();
    ec2.describeSubnets(r -> r.filters(Filter.builder().name("vpc-id").values(vpc).build()))
        .subnets()
        .forEach(s -> ec2.deleteSubnet(d -> d.subnetId(s.subnetId())));

    assertThatThrownBy(() -> launcher().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Failed to infer default networkConfiguration: default VPC "
                + vpc
                + " has no subnets; set --subnet/--security-group or networkConfiguration in"
                + " --run-task-kwargs");
  }

  @Test
  void s3TemplatesAreReadWithASignedGetAndMissingKeysAreRejected() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String path : new String[] {"/templates", "/templates/td.yaml"}) {
      var body =
          path.endsWith(".yaml")
              ? java.net.http.HttpRequest.BodyPublishers.ofString("cpu: 512\n")
              : java.net.http.HttpRequest.BodyPublishers.noBody();
      var response =
          http.send(
              java.net.http.HttpRequest.newBuilder(moto.endpoint().resolve(path)).PUT(body).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }
    DocumentLoader loader =
        new DocumentLoader(
            new S3ObjectReader(
                software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create(),
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                    software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                        "testing", "testing")),
                "us-east-1",
                Map.of("AWS_ENDPOINT_URL_S3", moto.endpoint().toString())));

    assertThat(loader.load("--task-definition", "s3://templates/td.yaml").get("cpu").asInt())
        .isEqualTo(512);
    assertThatThrownBy(() -> loader.load("--task-definition", "s3://templates/missing.yaml"))
        .isInstanceOf(EcsLaunchException.class)
        .hasMessage(
            "--task-definition s3://templates/missing.yaml: S3 answered HTTP 404 (NoSuchKey)");
  }
}
