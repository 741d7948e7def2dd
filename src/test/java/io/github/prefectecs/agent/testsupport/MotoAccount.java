package io.github.prefectecs.agent.testsupport;

import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.support.Backoff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * An emulated AWS account in moto as the agent finds it in production: a cluster with the FARGATE
 * and FARGATE_SPOT capacity providers, the default VPC with a security group for flows, tasks kept
 * RUNNING until something stops them (moto's manual transition), and a task definition template
 * moto accepts. Owns its ECS client.
 */
public final class MotoAccount implements AutoCloseable {
  private final MotoServer moto;
  private final String cluster;
  private final EcsClient ecs;
  private final String securityGroup;

  private MotoAccount(MotoServer moto, String cluster, EcsClient ecs, String securityGroup) {
    this.moto = moto;
    this.cluster = cluster;
    this.ecs = ecs;
    this.securityGroup = securityGroup;
  }

  /**
   * Resets {@code moto}, keeps its tasks RUNNING until stopped, and sets up the account with
   * cluster {@code cluster}.
   */
  public static MotoAccount fresh(MotoServer moto, String cluster) {
    try {
      moto.reset();
      moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return create(moto, cluster);
  }

  /** Sets up cluster {@code cluster} and the flows' security group in {@code moto} as it is. */
  public static MotoAccount create(MotoServer moto, String cluster) {
    EcsClient ecs = moto.ecs();
    ecs.createCluster(r -> r.clusterName(cluster));
    ecs.putClusterCapacityProviders(
        r ->
            r.cluster(cluster)
                .capacityProviders("FARGATE", "FARGATE_SPOT")
                .defaultCapacityProviderStrategy(s -> s.capacityProvider("FARGATE").weight(1)));
    try (Ec2Client ec2 = moto.ec2()) {
      String vpc = defaultVpc(ec2);
      String group =
          ec2.createSecurityGroup(r -> r.groupName("flows").description("flows").vpcId(vpc))
              .groupId();
      return new MotoAccount(moto, cluster, ecs, group);
    }
  }

  public EcsClient ecs() {
    return ecs;
  }

  public String cluster() {
    return cluster;
  }

  public String securityGroup() {
    return securityGroup;
  }

  /** A subnet of the default VPC. */
  public String defaultSubnet() {
    return defaultSubnets(moto, 1).get(0);
  }

  /** The id of the default VPC moto creates in every region. */
  public static String defaultVpc(Ec2Client ec2) {
    return ec2.describeVpcs(
            r -> r.filters(Filter.builder().name("isDefault").values("true").build()))
        .vpcs()
        .get(0)
        .vpcId();
  }

  /** Up to {@code count} subnets of the default VPC. */
  public static List<String> defaultSubnets(MotoServer moto, int count) {
    try (Ec2Client ec2 = moto.ec2()) {
      String vpc = defaultVpc(ec2);
      return ec2
          .describeSubnets(r -> r.filters(Filter.builder().name("vpc-id").values(vpc).build()))
          .subnets()
          .stream()
          .limit(count)
          .map(software.amazon.awssdk.services.ec2.model.Subnet::subnetId)
          .toList();
    }
  }

  /** The default-VPC lookup against moto. */
  public VpcLookup vpcLookup() {
    return new Ec2QueryVpcLookup(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
        "us-east-1",
        Map.of("AWS_ENDPOINT_URL_EC2", moto.endpoint().toString()),
        Duration.ofSeconds(10),
        new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)));
  }

  /**
   * Writes a template moto accepts (it needs a container-level memory, real ECS does not) into
   * {@code dir} and returns its path.
   */
  public static Path writeTemplate(Path dir) {
    Path template = dir.resolve("task-definition.yaml");
    try {
      Files.writeString(
          template,
          "networkMode: awsvpc\ncpu: 1024\nmemory: 2048\ncontainerDefinitions:\n"
              + "  - name: flow\n    memory: 2048\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return template;
  }

  /**
   * The agent's ECS settings for this account: its cluster and security group, {@code template}.
   */
  public EcsSettings settings(Path template) {
    return EcsSettings.builder()
        .cluster(cluster)
        .taskDefinition(template.toString())
        .network(List.of(), List.of(securityGroup), null)
        .build();
  }

  /** Every task of the cluster started for {@code runId}, described with tags. */
  public List<Task> tasksOf(String runId) {
    List<String> arns =
        new ArrayList<>(ecs.listTasks(r -> r.cluster(cluster).startedBy(runId)).taskArns());
    if (arns.isEmpty()) {
      return List.of();
    }
    return ecs.describeTasks(r -> r.cluster(cluster).tasks(arns).include(TaskField.TAGS)).tasks();
  }

  /** StopTask, as an operator, ECS or Spot would stop it (moto sets no stop code, exit code 0). */
  public void stopTask(String taskArn, String reason) {
    ecs.stopTask(r -> r.cluster(cluster).task(taskArn).reason(reason));
  }

  @Override
  public void close() {
    ecs.close();
  }
}
