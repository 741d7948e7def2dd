package io.github.prefectecs.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.deploy.AwsCallRecorder.AwsCall;
import io.github.prefectecs.agent.deploy.MotoCloudFormation.Stack;
import io.github.prefectecs.agent.deploy.PolicyEvaluator.Authorization;
import io.github.prefectecs.agent.deploy.PolicyEvaluator.Decision;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * {@code deploy/agent.yaml} created in moto's CloudFormation, then the built agent configured only
 * from the stack's outputs (as on an EC2 host; the same settings the stack gives its own agent
 * container): flows launch, are watched, stopped, cancelled and log through the cluster, roles and
 * log group the stack made, {@code agent ecs check} passes, and every AWS call the agent made is
 * allowed by the stack's agent policy while every action that policy allows is one the agent
 * called.
 *
 * <p>What moto 5.2.5's CloudFormation honours of the template: every resource is created and every
 * output resolves (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, the conditions); the log groups'
 * names and retention; the roles with their trust and inline policies; the managed AgentPolicy with
 * its document, attached to AgentTaskRole; the agent task definition's family, memory and container
 * definitions (image, command, environment, secrets, port, log configuration, health check, stop
 * timeout, ulimits); the service's cluster, task definition and desired count. What it ignores: the
 * cluster's CapacityProviders and DefaultCapacityProviderStrategy (this test attaches them as the
 * template says), the task definition's Cpu, NetworkMode, RequiresCompatibilities, RuntimePlatform,
 * ExecutionRoleArn and TaskRoleArn, the roles' ManagedPolicyArns, the service's LaunchType,
 * PlatformVersion, DeploymentConfiguration, NetworkConfiguration and tags, and the Rules; it starts
 * no task for the service, keeps {@code AWS::NoValue} in a list as a null item, on UpdateStack
 * registers a new agent revision without translating its container definitions and leaves the
 * service on the old one, and enforces no IAM policy usefully (see {@link PolicyEvaluator}).
 * cfn-lint checks those properties against AWS's resource specification ({@code scripts/test}),
 * {@code DeployTemplateTest} the values that matter.
 */
@Timeout(300)
class AgentStackIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPERATOR = "Stopped by an operator in the ECS console";
  private static final String FLOW_LINE = "hello from a flow of the stack";

  private static StackWorld world;
  private static AgentJar agent;
  private static Stack stack;
  private static String logged;
  private static String stopped;
  private static String cancelled;
  private static String otherImage;
  private static AgentJar.Run check;
  private static int agentExit;
  private static JsonNode agentPolicy;

  @BeforeAll
  static void deployTheStackAndRunTheAgentFromItsOutputs() throws Exception {
    assertThat(AgentJar.JAR).as("the shaded jar built by mvn package").exists();
    world = StackWorld.start();
    stack = world.deploy();
    assertThat(stack.status()).as("%s", stack.reason()).isEqualTo("CREATE_COMPLETE");
    world.attachTheTemplatesCapacityProviders();
    List<JsonNode> attached =
        new MotoCloudFormation(world.moto.endpoint())
            .attachedPolicyDocuments(roleName(stack.output("AgentTaskRoleArn")));
    assertThat(attached).as("policies attached to AgentTaskRole").hasSize(1);
    agentPolicy = attached.get(0);

    String flow =
        world.prefect.createFlow(
            "stack-flow",
            JSON.createObjectNode().put("type", "Local"),
            runConfig("prefecthq/prefect:0.15.13-python3.9"),
            PrefectStates.VERSION);
    logged = scheduled(flow, null);
    stopped = scheduled(flow, null);
    cancelled = scheduled(flow, null);
    agent = world.agentFromOutputs();
    agent.start();
    for (String run : List.of(logged, stopped, cancelled)) {
      awaitOneTask(run);
    }

    aFlowPrintsALine();
    anOperatorStopsOneTaskAndPrefectCancelsAnotherRun();

    // Another image for the same flow: same family, another definition to find or register.
    otherImage = scheduled(flow, runConfig("prefecthq/prefect:0.15.13-python3.8"));
    awaitOneTask(otherImage);

    check = agent.check();
    agentExit = agent.stop(Duration.ofSeconds(120));
    System.out.println("AWS calls of the agent and ecs check: " + callCounts());
  }

  /** The flow container of {@code logged} writes a line to its awslogs stream. */
  private static void aFlowPrintsALine() {
    Task task = world.tasksOf(logged).get(0);
    String stream = "prefect/flow/" + task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
    String group = stack.output("FlowLogGroupName");
    world.logs.createLogStream(r -> r.logGroupName(group).logStreamName(stream));
    world.logs.putLogEvents(
        r ->
            r.logGroupName(group)
                .logStreamName(stream)
                .logEvents(e -> e.timestamp(System.currentTimeMillis()).message(FLOW_LINE)));
    Eventually.until(
        WAIT,
        () -> "the flow's line in its run logs; agent log:\n" + agent.log(),
        () -> messages(logged).contains(FLOW_LINE));
  }

  private static void anOperatorStopsOneTaskAndPrefectCancelsAnotherRun() {
    world.ecs.stopTask(
        r ->
            r.cluster(stack.output("ClusterName"))
                .task(world.tasksOf(stopped).get(0).taskArn())
                .reason(OPERATOR));
    world.prefect.setFlowRunState(
        cancelled, PrefectStates.failed("Cancelled from the UI").put("type", "Cancelling"));
    Eventually.until(
        WAIT,
        () -> "the stopped run Failed, the cancelled one Cancelled; agent log:\n" + agent.log(),
        () ->
            "Failed".equals(world.prefect.flowRunState(stopped))
                && "Cancelled".equals(world.prefect.flowRunState(cancelled)));
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
    if (world != null) {
      world.close();
    }
  }

  private static ObjectNode runConfig(String image) {
    ObjectNode config = JSON.createObjectNode().put("type", "ECSRun").put("image", image);
    config.putArray("labels").add(StackWorld.LABEL);
    // moto runs no task whose container lacks its own memory; ECS does not need it.
    ObjectNode definition =
        config
            .putObject("task_definition")
            .put("networkMode", "awsvpc")
            .put("cpu", "256")
            .put("memory", "512");
    definition.putArray("containerDefinitions").addObject().put("name", "flow").put("memory", 512);
    return config;
  }

  private static String scheduled(String flow, ObjectNode runConfig) {
    return world.prefect.createFlowRun(
        flow, List.of(StackWorld.LABEL), Instant.now().minusSeconds(1), runConfig);
  }

  private static void awaitOneTask(String run) {
    Eventually.until(
        WAIT,
        () -> "a task for " + run + "; agent log:\n" + agent.log(),
        () -> !world.tasksOf(run).isEmpty() || !agent.alive());
    assertThat(agent.alive()).as("agent alive; log:\n%s", agent.log()).isTrue();
  }

  private static List<String> messages(String run) {
    return world.prefect.logs(run).stream().map(LogRecord::message).toList();
  }

  private static String roleName(String arn) {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  private static Map<String, Long> callCounts() {
    return world.recorder.calls().stream()
        .collect(Collectors.groupingBy(AwsCall::action, TreeMap::new, Collectors.counting()));
  }

  @Test
  void theStackMakesTheClusterLogGroupsAndRolesAndItsOutputsNameThem() {
    assertThat(stack.outputs())
        .containsKeys(
            "ClusterName",
            "ClusterArn",
            "AgentServiceName",
            "AgentTaskDefinitionArn",
            "AgentTaskRoleArn",
            "AgentExecutionRoleArn",
            "AgentPolicyArn",
            "AgentLogGroupName",
            "FlowLogGroupName",
            "FlowTaskRoleArn",
            "FlowExecutionRoleArn")
        .doesNotContainKey("ApiKeySecretArn");
    String cluster = stack.output("ClusterName");
    assertThat(world.ecs.describeClusters(r -> r.clusters(cluster)).clusters())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.status()).isEqualTo("ACTIVE");
              assertThat(c.clusterArn()).isEqualTo(stack.output("ClusterArn"));
            });
    assertThat(world.logs.describeLogGroups(r -> r.logGroupNamePrefix("/prefect/")).logGroups())
        .extracting(LogGroup::logGroupName, LogGroup::retentionInDays)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(stack.output("AgentLogGroupName"), 14),
            org.assertj.core.groups.Tuple.tuple(stack.output("FlowLogGroupName"), 14));
    assertThat(
            world
                .ecs
                .describeServices(
                    r -> r.cluster(cluster).services(stack.output("AgentServiceName")))
                .services())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.taskDefinition()).isEqualTo(stack.output("AgentTaskDefinitionArn"));
              assertThat(s.desiredCount()).isEqualTo(1);
            });
  }

  @Test
  void theAgentContainerOfTheStackGetsTheSettingsTheOutputsName() {
    ContainerDefinition container = world.agentContainer(stack);

    assertThat(StackWorld.environment(container))
        .containsAllEntriesOf(world.settingsFromOutputs())
        .containsEntry("PREFECT__CLOUD__AGENT__NAME", StackWorld.STACK)
        .containsEntry("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://0.0.0.0:8080")
        .containsEntry("AWS_REGION", StackWorld.ACCOUNT.region());
    assertThat(container.secrets()).isEmpty();
    assertThat(container.logConfiguration().options())
        .containsEntry("awslogs-group", stack.output("AgentLogGroupName"));
  }

  @Test
  void flowsRunInTheStacksClusterWithItsFlowRolesAndLogGroup() {
    Set<String> definitions = new LinkedHashSet<>();
    for (String run : List.of(logged, stopped, cancelled, otherImage)) {
      Task task = world.tasksOf(run).get(0);
      assertThat(task.clusterArn()).isEqualTo(stack.output("ClusterArn"));
      assertThat(task.capacityProviderName()).isIn("FARGATE_SPOT", "FARGATE");
      assertThat(task.overrides().taskRoleArn()).isEqualTo(stack.output("FlowTaskRoleArn"));
      assertThat(task.overrides().executionRoleArn())
          .isEqualTo(stack.output("FlowExecutionRoleArn"));
      definitions.add(task.taskDefinitionArn());
    }
    assertThat(definitions).as("one family, two images").hasSize(2);
    for (String arn : definitions) {
      TaskDefinition definition =
          world.ecs.describeTaskDefinition(r -> r.taskDefinition(arn)).taskDefinition();
      assertThat(definition.family()).isEqualTo("prefect-stack-flow");
      assertThat(definition.containerDefinitions().get(0).logConfiguration().options())
          .containsEntry("awslogs-group", stack.output("FlowLogGroupName"));
    }
  }

  @Test
  void theAgentForwardsLogsReportsAStoppedTaskStopsACancelledRunAndStopsCleanly() {
    assertThat(messages(logged)).contains(FLOW_LINE);
    assertThat(world.prefect.flowRunSerializedState(stopped).path("message").asText())
        .contains(OPERATOR);
    assertThat(world.tasksOf(cancelled).get(0).lastStatus()).isEqualTo("STOPPED");
    assertThat(agentExit).as("exit code on SIGTERM; log:\n%s", agent.log()).isZero();
    assertThat(agent.log()).contains("Agent stopped").doesNotContain("Exception");
  }

  @Test
  void ecsCheckPassesOnTheStack() {
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("checks hold").doesNotContain("problem");
  }

  @Test
  void everyCallTheAgentMakesIsAllowedByTheStacksAgentPolicy() {
    List<String> refused = new ArrayList<>();
    Map<String, Long> allowed = new TreeMap<>();
    for (AwsCall call : world.recorder.calls()) {
      for (Authorization request : AgentActions.of(call, StackWorld.ACCOUNT)) {
        Decision decision = PolicyEvaluator.evaluate(agentPolicy, request);
        if (decision.allowed()) {
          allowed.merge(request.action() + " " + decision.reason(), 1L, Long::sum);
        } else {
          refused.add(decision.reason());
        }
      }
    }
    System.out.println("Authorizations of those calls: " + allowed);
    assertThat(refused).as("authorizations the agent policy refuses").isEmpty();
    assertThat(world.recorder.actions())
        .as("launch, watch, stop, cancel, log forwarding and ecs check")
        .contains(
            "ecs:RunTask",
            "ecs:RegisterTaskDefinition",
            "ecs:DescribeTaskDefinition",
            "ecs:ListTaskDefinitions",
            "ecs:ListTasks",
            "ecs:DescribeTasks",
            "ecs:StopTask",
            "ecs:DescribeClusters",
            "logs:CreateLogGroup",
            "logs:FilterLogEvents",
            "logs:DescribeLogGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups");
  }

  @Test
  void everyActionTheStacksAgentPolicyAllowsIsOneTheAgentCalls() {
    Set<String> authorized = new LinkedHashSet<>();
    for (AwsCall call : world.recorder.calls()) {
      AgentActions.of(call, StackWorld.ACCOUNT).forEach(a -> authorized.add(a.action()));
    }
    List<String> allowed = PolicyEvaluator.actions(agentPolicy);

    assertThat(allowed)
        .as("allowed actions that no call needed (list them in AgentActions.NOT_CALLED with why)")
        .allSatisfy(
            action ->
                assertThat(
                        authorized.contains(action) || AgentActions.NOT_CALLED.containsKey(action))
                    .as(action)
                    .isTrue());
    assertThat(allowed).containsAll(AgentActions.NOT_CALLED.keySet());
  }

  @Test
  void theOperationsGuideShowsTheDeployedAgentPolicy() throws Exception {
    Map<String, String> placeholders = new java.util.LinkedHashMap<>();
    placeholders.put(stack.output("FlowTaskRoleArn"), PolicyDocs.FLOW_TASK_ROLE);
    placeholders.put(stack.output("FlowExecutionRoleArn"), PolicyDocs.FLOW_EXECUTION_ROLE);
    placeholders.put(stack.output("FlowLogGroupName"), "<FLOW_LOG_GROUP>");
    placeholders.put(stack.output("ClusterName"), "<CLUSTER>");
    placeholders.put(StackWorld.ACCOUNT.region(), "<REGION>");
    placeholders.put(StackWorld.ACCOUNT.id(), "<ACCOUNT_ID>");

    assertThat(PolicyDocs.agentPolicy())
        .isEqualTo(PolicyDocs.withPlaceholders(agentPolicy, placeholders));
  }
}
