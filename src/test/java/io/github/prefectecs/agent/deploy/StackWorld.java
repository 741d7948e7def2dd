package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.prefectecs.agent.deploy.MotoCloudFormation.Stack;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * moto with {@code deploy/agent.yaml} deployed by its CloudFormation, the Prefect Server double,
 * and the agent's settings as the stack's outputs give them, for the built jar to run with its AWS
 * calls going through an {@link AwsCallRecorder}. The test's own AWS calls go to moto directly and
 * are not recorded.
 *
 * <p>Not thread-safe; one per test class.
 */
final class StackWorld implements AutoCloseable {
  static final Path TEMPLATE = Path.of("deploy", "agent.yaml");
  static final String STACK = "prefect-agent";
  static final String LABEL = "stack-flows";
  static final AgentActions.Account ACCOUNT =
      new AgentActions.Account("aws", "us-east-1", "123456789012");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final MotoServer moto;
  final PrefectServerDouble prefect;
  final AwsCallRecorder recorder;
  final EcsClient ecs;
  final CloudWatchLogsClient logs;
  private final List<String> subnets = new ArrayList<>();
  private String securityGroup;
  private Stack stack;

  private StackWorld(MotoServer moto, PrefectServerDouble prefect, AwsCallRecorder recorder) {
    this.moto = moto;
    this.prefect = prefect;
    this.recorder = recorder;
    this.ecs = moto.ecs();
    this.logs = moto.logs();
  }

  /** moto (tasks stay RUNNING until stopped), the Prefect double, the recorder. */
  static StackWorld start() throws IOException, InterruptedException {
    MotoServer moto = MotoServer.start();
    moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
    return new StackWorld(
        moto, PrefectServerDouble.start(), AwsCallRecorder.start(moto.endpoint()));
  }

  /**
   * Creates the stack {@link #STACK} in moto's CloudFormation with two subnets of the default VPC
   * and a security group for flows, as an operator would with {@code aws cloudformation deploy};
   * the agent runs against this one.
   */
  Stack deploy() throws IOException {
    stack = deploy(STACK, Map.of());
    return stack;
  }

  /**
   * Creates another stack {@code name} in the same account with the parameters of {@link
   * #deploy()}, {@code overrides} replacing or adding some.
   */
  Stack deploy(String name, Map<String, String> overrides) throws IOException {
    return cloudFormation().create(name, Files.readString(TEMPLATE), parameters(overrides));
  }

  /** UpdateStack of {@code name} with the parameters of {@link #deploy()} and {@code overrides}. */
  Stack update(String name, Map<String, String> overrides) throws IOException {
    return cloudFormation().update(name, Files.readString(TEMPLATE), parameters(overrides));
  }

  MotoCloudFormation cloudFormation() {
    return new MotoCloudFormation(moto.endpoint());
  }

  private Map<String, String> parameters(Map<String, String> overrides) {
    if (subnets.isEmpty()) {
      network();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("PrefectBackend", "server");
    parameters.put("PrefectApiUrl", prefect.uri().toString());
    parameters.put("AgentLabels", LABEL);
    parameters.put("AgentImage", "prefect-ecs-agent:stack-test");
    parameters.put("Subnets", String.join(",", subnets));
    parameters.put("SecurityGroups", securityGroup);
    parameters.put("LogRetentionInDays", "14");
    parameters.putAll(overrides);
    return parameters;
  }

  private void network() {
    subnets.addAll(MotoAccount.defaultSubnets(moto, 2));
    try (Ec2Client ec2 = moto.ec2()) {
      String vpc = MotoAccount.defaultVpc(ec2);
      securityGroup =
          ec2.createSecurityGroup(r -> r.groupName("flows").description("flows").vpcId(vpc))
              .groupId();
    }
  }

  /**
   * Attaches the capacity providers and default strategy the template gives the cluster: moto's
   * CloudFormation creates the cluster but ignores both properties.
   */
  void attachTheTemplatesCapacityProviders() throws IOException {
    JsonNode cluster = template().at("/Resources/Cluster/Properties");
    List<String> providers = new ArrayList<>();
    cluster.path("CapacityProviders").forEach(p -> providers.add(p.asText()));
    List<CapacityProviderStrategyItem> strategy = new ArrayList<>();
    cluster
        .path("DefaultCapacityProviderStrategy")
        .forEach(
            s ->
                strategy.add(
                    CapacityProviderStrategyItem.builder()
                        .capacityProvider(s.path("CapacityProvider").asText())
                        .base(s.path("Base").asInt(0))
                        .weight(s.path("Weight").asInt())
                        .build()));
    ecs.putClusterCapacityProviders(
        r ->
            r.cluster(stack.output("ClusterName"))
                .capacityProviders(providers)
                .defaultCapacityProviderStrategy(strategy));
  }

  /** The template as YAML reads it: literal values only (CloudFormation's tags are dropped). */
  static JsonNode template() throws IOException {
    return YAML.readTree(TEMPLATE.toFile());
  }

  /**
   * The agent's Prefect and ECS settings from the stack's outputs alone, in the environment
   * variables the stack's task definition gives the agent's container.
   */
  Map<String, String> settingsFromOutputs() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PREFECT__BACKEND", stack.output("PrefectBackend"));
    env.put("PREFECT__CLOUD__API", stack.output("PrefectApiUrl"));
    env.put("PREFECT__CLOUD__AGENT__LABELS", jsonList(stack.output("AgentLabels")));
    env.put("PREFECT__CLOUD__AGENT__ECS__CLUSTER", stack.output("ClusterName"));
    env.put("PREFECT__CLOUD__AGENT__ECS__SUBNETS", jsonList(stack.output("Subnets")));
    if (!stack.output("SecurityGroups").isEmpty()) {
      env.put(
          "PREFECT__CLOUD__AGENT__ECS__SECURITY_GROUPS", jsonList(stack.output("SecurityGroups")));
    }
    env.put("PREFECT__CLOUD__AGENT__ECS__ASSIGN_PUBLIC_IP", stack.output("AssignPublicIp"));
    env.put("PREFECT__CLOUD__AGENT__ECS__TASK_ROLE_ARN", stack.output("FlowTaskRoleArn"));
    env.put("PREFECT__CLOUD__AGENT__ECS__EXECUTION_ROLE_ARN", stack.output("FlowExecutionRoleArn"));
    env.put("PREFECT__CLOUD__AGENT__ECS__LOG_GROUP", stack.output("FlowLogGroupName"));
    if (stack.outputs().containsKey("ApiKeySecretArn")) {
      env.put("PREFECT__CLOUD__AGENT__ECS__API_KEY_SECRET_ARN", stack.output("ApiKeySecretArn"));
    }
    return env;
  }

  private static String jsonList(String commaSeparated) {
    if (commaSeparated.isEmpty()) {
      return "[]";
    }
    return "[\"" + String.join("\", \"", Arrays.asList(commaSeparated.split(","))) + "\"]";
  }

  /**
   * The jar configured as an operator would on a host: the settings from the outputs, the name of
   * the stack's agent, AWS through the recorder.
   */
  AgentJar agentFromOutputs() throws IOException {
    Map<String, String> env = new LinkedHashMap<>(settingsFromOutputs());
    env.put("PREFECT__CLOUD__AGENT__NAME", STACK);
    env.put("AWS_REGION", ACCOUNT.region());
    env.put("AWS_ENDPOINT_URL", recorder.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    return new AgentJar(env);
  }

  /** The container of the agent's task definition the stack {@code of} registered. */
  ContainerDefinition agentContainer(Stack of) {
    return ecs.describeTaskDefinition(r -> r.taskDefinition(of.output("AgentTaskDefinitionArn")))
        .taskDefinition()
        .containerDefinitions()
        .get(0);
  }

  /** A container's environment as a map. */
  static Map<String, String> environment(ContainerDefinition container) {
    // moto keeps an AWS::NoValue item of a list as null.
    return container.environment().stream()
        .filter(e -> e != null && e.name() != null)
        .collect(Collectors.toMap(KeyValuePair::name, KeyValuePair::value));
  }

  /** The tasks started for {@code runId} in the stack's cluster, described with tags. */
  List<Task> tasksOf(String runId) {
    String cluster = stack.output("ClusterName");
    List<String> arns = ecs.listTasks(r -> r.cluster(cluster).startedBy(runId)).taskArns();
    if (arns.isEmpty()) {
      return List.of();
    }
    return ecs.describeTasks(r -> r.cluster(cluster).tasks(arns).include(TaskField.TAGS)).tasks();
  }

  @Override
  public void close() {
    recorder.close();
    ecs.close();
    logs.close();
    prefect.close();
    moto.close();
  }
}
