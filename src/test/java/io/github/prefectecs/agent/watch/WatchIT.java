package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Two whole agents (real GraphQL client, real launcher and watcher) on one moto cluster, tasks kept
 * RUNNING by moto's state manager and stopped with StopTask: each agent reports only its own runs.
 */
@Timeout(300)
class WatchIT {
  private static final String CLUSTER = "watch-cluster";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MotoServer moto;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static VpcLookup lookup;
  @TempDir Path dir;
  private PrefectServerDouble server;
  private final List<Agent> agents = new ArrayList<>();
  private EcsSettings settings;

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
      settings = account.settings(MotoAccount.writeTemplate(dir));
    }
    server = PrefectServerDouble.start();
  }

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::close);
    server.close();
  }

  private AgentConfig config(String name, String label) {
    return new AgentConfig(
        name,
        List.of(label),
        new io.github.prefectecs.agent.config.PrefectConnection(
            Backend.SERVER,
            server.uri(),
            Secret.empty(),
            null,
            Secret.empty(),
            null,
            Duration.ofSeconds(3)),
        new io.github.prefectecs.agent.config.FlowDefaults(Map.of(), true, "INFO"),
        settings,
        io.github.prefectecs.agent.config.SupervisionSettings.defaults(),
        io.github.prefectecs.agent.config.LogSettings.defaults(),
        io.github.prefectecs.agent.config.CostSettings.defaults(),
        new io.github.prefectecs.agent.config.Operations(
            URI.create("http://127.0.0.1:0"), "INFO", false, null, 10),
        null);
  }

  private void startAgent(String name, String label) {
    AgentConfig config = config(name, label);
    EcsRateLimits limits = EcsRateLimits.ecsQuotas();
    Clock clock = Clock.systemUTC();
    Agent agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> new EcsLauncher(config, tenant, ecs, lookup, clock, limits))
            .supervision(new SdkEcsTasks(ecs, limits))
            .clock(clock)
            .build();
    agents.add(agent);
    agent.start();
  }

  private String run(String label) {
    ObjectNode runConfig = JSON.createObjectNode().put("type", "ECSRun");
    runConfig.putArray("labels").add(label);
    String flow =
        server.createFlow(
            "flow-" + label, JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    return server.createFlowRun(flow, List.of(label), Instant.now().minusSeconds(1), runConfig);
  }

  private String taskOf(String runId) {
    Eventually.until(
        WAIT,
        "a task for " + runId,
        () -> !ecs.listTasks(r -> r.cluster(CLUSTER).startedBy(runId)).taskArns().isEmpty());
    return ecs.listTasks(r -> r.cluster(CLUSTER).startedBy(runId)).taskArns().get(0);
  }

  private Task describe(String arn) {
    return ecs.describeTasks(r -> r.cluster(CLUSTER).tasks(arn)).tasks().get(0);
  }

  private List<LogRecord> errors(String runId) {
    return server.logs(runId).stream().filter(l -> "ERROR".equals(l.level())).toList();
  }

  @Test
  void eachAgentWatchesItsOwnTasksToTheirEnd() {
    String stoppedByOperator = run("a");
    String cancelled = run("a");
    String succeeded = run("a");
    String other = run("b");
    startAgent("agent-a", "a");
    startAgent("agent-b", "b");
    String stoppedTask = taskOf(stoppedByOperator);
    String cancelledTask = taskOf(cancelled);
    String succeededTask = taskOf(succeeded);
    String otherTask = taskOf(other);

    // A task stopped outside the agents: its run fails, naming the task and the reason.
    ecs.stopTask(r -> r.cluster(CLUSTER).task(stoppedTask).reason("stopped by an operator"));
    Eventually.until(
        WAIT,
        "operator-stopped run Failed",
        () -> "Failed".equals(server.flowRunState(stoppedByOperator)));
    assertThat(server.flowRunSerializedState(stoppedByOperator).path("message").asText())
        .contains(stoppedTask, "stopped by an operator");
    Eventually.until(WAIT, "its ERROR run log", () -> errors(stoppedByOperator).size() == 1);
    assertThat(errors(stoppedByOperator).get(0).message()).contains(stoppedTask);

    // Cancelling in Prefect: the owning agent stops the task, then the run is Cancelled.
    server.setFlowRunState(cancelled, PrefectStates.failed("cancel").put("type", "Cancelling"));
    Eventually.until(
        WAIT,
        "cancelled task stopped",
        () -> "STOPPED".equals(describe(cancelledTask).lastStatus()));
    assertThat(describe(cancelledTask).stoppedReason()).contains("cancelled");
    Eventually.until(
        WAIT, "run Cancelled", () -> "Cancelled".equals(server.flowRunState(cancelled)));

    // A run that finished by itself keeps its state when its task stops.
    server.setFlowRunState(succeeded, PrefectStates.failed("done").put("type", "Success"));
    ecs.stopTask(
        r -> r.cluster(CLUSTER).task(succeededTask).reason("Essential container in task exited"));

    // Agent b's run is untouched by agent a; then stopped, it is reported once, by agent b.
    assertThat(describe(otherTask).lastStatus()).isEqualTo("RUNNING");
    assertThat(server.flowRunState(other)).isEqualTo("Submitted");
    ecs.stopTask(r -> r.cluster(CLUSTER).task(otherTask).reason("stopped by an operator"));
    Eventually.until(WAIT, "b's run Failed", () -> "Failed".equals(server.flowRunState(other)));
    Eventually.until(WAIT, "b's ERROR log", () -> errors(other).size() == 1);
    assertThat(errors(other).get(0).name()).isEqualTo("agent-b");
    assertThat(errors(stoppedByOperator).get(0).name()).isEqualTo("agent-a");

    Eventually.until(
        WAIT,
        "every run forgotten by its agent",
        () -> agents.stream().allMatch(a -> a.registry().ids().isEmpty()));
    assertThat(server.flowRunState(succeeded)).isEqualTo("Success");
    assertThat(errors(succeeded)).isEmpty();
    assertThat(errors(other)).hasSize(1);
    assertThat(server.validationErrors()).isEmpty();
  }

  @Test
  void aRestartedAgentReportsTasksThatStoppedWhileItWasDownAndWatchesTheLiveOnes() {
    String stopsWhileDown = run("a");
    String keepsRunning = run("a");
    startAgent("agent-a", "a");
    String downTask = taskOf(stopsWhileDown);
    String liveTask = taskOf(keepsRunning);
    Eventually.until(
        WAIT,
        "both runs Submitted",
        () ->
            "Submitted".equals(server.flowRunState(stopsWhileDown))
                && "Submitted".equals(server.flowRunState(keepsRunning)));
    agents.remove(0).close();

    ecs.stopTask(r -> r.cluster(CLUSTER).task(downTask).reason("stopped while the agent was down"));
    startAgent("agent-a", "a");

    Eventually.until(
        WAIT,
        "the run whose task stopped while down Failed",
        () -> "Failed".equals(server.flowRunState(stopsWhileDown)));
    assertThat(server.flowRunSerializedState(stopsWhileDown).path("message").asText())
        .contains(downTask, "stopped while the agent was down");
    assertThat(server.flowRunState(keepsRunning)).isEqualTo("Submitted");

    ecs.stopTask(r -> r.cluster(CLUSTER).task(liveTask).reason("stopped after the restart"));
    Eventually.until(
        WAIT,
        "the re-adopted task's run Failed",
        () -> "Failed".equals(server.flowRunState(keepsRunning)));
    assertThat(ecs.listTasks(r -> r.cluster(CLUSTER).startedBy(keepsRunning)).taskArns())
        .as("no second task")
        .hasSize(1);
    assertThat(errors(stopsWhileDown)).hasSize(1);
  }

  @Test
  void aTaskThatStopsWhileThePrefectApiIsDownIsReportedWhenItIsBack() {
    String run = run("a");
    startAgent("agent-a", "a");
    String task = taskOf(run);
    Eventually.until(WAIT, "run Submitted", () -> "Submitted".equals(server.flowRunState(run)));

    server.setDown(true);
    ecs.stopTask(r -> r.cluster(CLUSTER).task(task).reason("stopped during the outage"));
    Eventually.until(WAIT, "the task STOPPED", () -> "STOPPED".equals(describe(task).lastStatus()));
    assertThat(agents.get(0).registry().contains(run)).as("kept while the API is down").isTrue();
    server.setDown(false);

    Eventually.until(WAIT, "run Failed", () -> "Failed".equals(server.flowRunState(run)));
    assertThat(server.flowRunSerializedState(run).path("message").asText())
        .contains(task, "stopped during the outage");
    Eventually.until(WAIT, "its ERROR log", () -> errors(run).size() == 1);
  }
}
