package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The server queues a run again (its task runs retry): the whole agent (Prefect double, real
 * GraphQL client, real ECS launcher, ECS fake that keeps client tokens as ECS does) starts a new
 * task exactly when the old one is gone, whether it launched or adopted that task.
 */
@Timeout(180)
class RelaunchIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final FakeEcsClient ecs = new FakeEcsClient();
  private PrefectServerDouble server;
  private Agent agent;
  private AgentConfig config;
  private String flow;
  private ObjectNode runConfig;

  @BeforeEach
  void setUp() {
    server = PrefectServerDouble.start();
    runConfig = JSON.createObjectNode();
    runConfig.put("type", "ECSRun");
    runConfig.put("image", "example/flow:1");
    runConfig.putArray("labels").add("ecs");
    flow =
        server.createFlow(
            "flow", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    EcsSettings d = EcsSettings.defaults();
    EcsSettings settings =
        EcsSettings.builder()
            .cluster("flows")
            .strategy(d.capacityProviderStrategy())
            .network(List.of("subnet-1"), List.of("sg-1"), false)
            .build();
    config =
        TestConfigs.withEcs(TestConfigs.server(server.uri(), List.of("ecs"), 5, null), settings);
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> EcsLauncher.create(config, tenant, ecs, null, Clock.systemUTC()))
            .clock(Clock.systemUTC())
            .build();
  }

  @AfterEach
  void tearDown() {
    agent.close();
    server.close();
  }

  @Test
  void everyRelaunchOfARunningRunStartsANewTaskEvenAtTheSameRunVersion() {
    String run =
        server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig);
    agent.start();
    Eventually.until(WAIT, "first task", () -> tasksOf(run).size() == 1);
    setRunning(run);

    for (int relaunch = 1; relaunch <= 2; relaunch++) {
      int before = tasksOf(run).size();
      tasksOf(run).forEach(t -> ecs.stopTask(t.taskArn(), "Essential container in task exited"));
      // task runs that retry do not change the flow run's version
      String taskRun = server.createTaskRun(run, "Retrying", Instant.now().minusSeconds(5));
      Eventually.until(
          WAIT,
          () -> "a new task for the relaunch; tasks " + tasksOf(run).size(),
          () -> tasksOf(run).size() == before + 1);
      Eventually.until(
          WAIT, "task run submitted", () -> "Submitted".equals(server.taskRunState(taskRun)));
    }

    Eventually.until(
        WAIT,
        "three distinct tasks reported in the run's logs",
        () ->
            server.logs(run).stream()
                    .map(l -> l.message())
                    .filter(m -> m.startsWith("Submitted for execution: Task "))
                    .collect(Collectors.toSet())
                    .size()
                == 3);
    assertThat(tasksOf(run)).hasSize(3);
  }

  @Test
  void anAdoptedTaskThatIsGoneIsReplacedWhenTheRunIsQueuedAgain() {
    String run =
        server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig);
    setRunning(run);
    Task adopted = ecs.addRunningTask(run, ourTags(run));
    agent.start();
    Eventually.until(WAIT, "healthy", () -> agent.health().status().healthy());
    ecs.stopTask(adopted.taskArn(), "Essential container in task exited");

    String taskRun = server.createTaskRun(run, "Retrying", Instant.now().minusSeconds(5));

    Eventually.until(
        WAIT, () -> "a new task; tasks " + tasksOf(run).size(), () -> tasksOf(run).size() == 2);
    Eventually.until(
        WAIT, "task run submitted", () -> "Submitted".equals(server.taskRunState(taskRun)));
  }

  @Test
  void aTaskStillAliveIsReportedNotDoubledWhenTheRunIsQueuedAgain() {
    String run =
        server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig);
    setRunning(run);
    String alive = ecs.addRunningTask(run, ourTags(run)).taskArn();
    agent.start();
    Eventually.until(WAIT, "healthy", () -> agent.health().status().healthy());
    int describesAtStart = ecs.count("DescribeTasks");

    String taskRun = server.createTaskRun(run, "Retrying", Instant.now().minusSeconds(5));

    Eventually.until(
        WAIT, "task run submitted", () -> "Submitted".equals(server.taskRunState(taskRun)));
    Eventually.until(
        WAIT,
        "the old task reported",
        () ->
            server.logs(run).stream()
                .anyMatch(l -> l.message().equals("Submitted for execution: Task " + alive)));
    assertThat(ecs.count("DescribeTasks")).isGreaterThan(describesAtStart);
    assertThat(ecs.count("RunTask")).isZero();
    assertThat(tasksOf(run)).hasSize(1);
  }

  private List<Tag> ourTags(String run) {
    return List.of(
        Tag.builder().key("prefect:flow-run-id").value(run).build(),
        Tag.builder().key("prefect:agent").value(config.name()).build());
  }

  private void setRunning(String run) {
    server.setFlowRunState(
        run,
        JSON.createObjectNode()
            .put("type", "Running")
            .put("message", "Running flow.")
            .put("__version__", "0.15.13"));
  }

  private List<Task> tasksOf(String run) {
    return ecs.tasks().stream().filter(t -> run.equals(t.startedBy())).toList();
  }
}
