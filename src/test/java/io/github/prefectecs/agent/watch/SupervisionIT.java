package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import io.github.prefectecs.agent.testsupport.ServerActions;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * A whole agent (real GraphQL client, launcher and watcher) on moto and the Prefect Server double,
 * with the test playing the flow process and the server's services as Prefect 0.15 does: a flow
 * that exits 0 leaving its run Running for a retry or an approval, a run Lazarus reschedules while
 * its task lives, a Spot interruption of a flow mid-task. The agent never overrules Prefect: no run
 * is failed that Prefect meant to continue, and no run has two live tasks.
 */
@Timeout(300)
class SupervisionIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LABEL = "supervision";
  private static MotoServer moto;
  @TempDir Path dir;
  private MotoAccount account;
  private PrefectServerDouble server;
  private ServerActions actions;
  private Agent agent;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
  }

  @AfterAll
  static void stopMoto() {
    moto.close();
  }

  @BeforeEach
  void freshWorld() {
    account = MotoAccount.fresh(moto, "supervision");
    server = PrefectServerDouble.start();
    actions = new ServerActions(server.uri());
  }

  @AfterEach
  void stopAll() {
    if (agent != null) {
      agent.close();
    }
    server.close();
    account.close();
  }

  private void startAgent() {
    AgentConfig config =
        TestConfigs.withEcs(
            TestConfigs.server(server.uri(), List.of(LABEL)),
            account.settings(MotoAccount.writeTemplate(dir)));
    EcsRateLimits limits = EcsRateLimits.ecsQuotas();
    Clock clock = Clock.systemUTC();
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(
                tenant ->
                    new EcsLauncher(
                        config, tenant, account.ecs(), account.vpcLookup(), clock, limits))
            .supervision(new SdkEcsTasks(account.ecs(), limits))
            .clock(clock)
            .build();
    agent.start();
  }

  private String scheduledRun() {
    ObjectNode runConfig = JSON.createObjectNode().put("type", "ECSRun");
    runConfig.putArray("labels").add(LABEL);
    String flow =
        server.createFlow(
            "etl", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    return server.createFlowRun(flow, List.of(LABEL), Instant.now().minusSeconds(1), runConfig);
  }

  private Task onlyTaskOf(String runId) {
    Eventually.until(WAIT, "a task for " + runId, () -> !account.tasksOf(runId).isEmpty());
    List<Task> tasks = account.tasksOf(runId);
    assertThat(tasks).hasSize(1);
    return tasks.get(0);
  }

  private List<String> states(String runId) {
    return server.flowRunStateHistory(runId).stream().map(s -> s.path("type").asText()).toList();
  }

  private List<String> logs(String runId, String level) {
    return server.logs(runId).stream()
        .filter(l -> level.equals(l.level()))
        .map(LogRecord::message)
        .toList();
  }

  private static ObjectNode state(String type, String message, Instant start) {
    ObjectNode state = PrefectStates.scheduled(message, start);
    state.put("type", type);
    if (start == null) {
      state.remove("start_time");
    }
    return state;
  }

  /** What the flow process does as it starts: the run Running, its task run Running. */
  private String flowProcessRuns(String runId) {
    actions.setFlowRunState(runId, state("Running", "Running flow.", null));
    String taskRun = server.createTaskRun(runId, "Pending", null);
    actions.setTaskRunState(taskRun, state("Running", "Starting task run.", null));
    return taskRun;
  }

  /** The flow process exits 0, ECS stops the task (moto: no stop code, exit code 0). */
  private void containerExitsZero(Task task) {
    account.stopTask(task.taskArn(), "Essential container in task exited");
  }

  @Test
  void aLongRetryLeavesTheRunRunningAndTheQueueBringsItBackToANewTask() {
    String run = scheduledRun();
    startAgent();
    Task first = onlyTaskOf(run);
    String taskRun = flowProcessRuns(run);
    // The task fails; its retry is due in 15 minutes: the runner leaves the run Running, exits 0.
    Instant due = Instant.now().plus(Duration.ofMinutes(15));
    actions.setTaskRunState(
        taskRun, state("Retrying", "Retrying Task (after attempt 1 of 2)", due));
    containerExitsZero(first);

    Eventually.until(
        WAIT,
        "the run log saying the container finished for now",
        () ->
            !logs(run, "INFO").stream()
                .filter(m -> m.contains("finished for now"))
                .toList()
                .isEmpty());
    Eventually.until(WAIT, "the agent lets go of the run", () -> !agent.registry().contains(run));
    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(logs(run, "INFO"))
        .filteredOn(m -> m.contains("finished for now"))
        .singleElement()
        .asString()
        .contains(first.taskArn(), "Retrying until " + PrefectStates.format(due));
    assertThat(logs(run, "ERROR")).isEmpty();

    // Prefect moves nothing until the retry is due; the test brings the due time to now.
    actions.setTaskRunState(
        taskRun,
        state("Retrying", "Retrying Task (after attempt 1 of 2)", Instant.now().minusSeconds(5)));

    Eventually.until(WAIT, "a second task", () -> account.tasksOf(run).size() == 2);
    Eventually.until(
        WAIT, "the task run claimed", () -> "Submitted".equals(server.taskRunState(taskRun)));
    assertThat(states(run)).doesNotContain("Failed");
    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(server.validationErrors()).isEmpty();
  }

  @Test
  void aPausedTaskWaitsForApprovalAndAResumeBringsTheRunBackToANewTask() {
    String run = scheduledRun();
    startAgent();
    Task first = onlyTaskOf(run);
    String taskRun = flowProcessRuns(run);
    // Core 0.15.13 writes Paused without a start time: the server never queues it by itself.
    actions.setTaskRunState(taskRun, state("Paused", "Task is paused", null));
    containerExitsZero(first);

    // The run log line goes out through the log writer, which may trail the release by a moment.
    Eventually.until(
        WAIT,
        "the run log saying the run waits for approval",
        () -> logs(run, "INFO").stream().anyMatch(m -> m.contains("waiting for approval")));
    Eventually.until(WAIT, "the agent lets go of the run", () -> !agent.registry().contains(run));
    assertThat(server.flowRunState(run)).isEqualTo("Running");

    // Someone approves it in the UI: Resume, due now.
    actions.setTaskRunState(taskRun, state("Resume", "Resumed by a user", Instant.now()));

    Eventually.until(WAIT, "a second task", () -> account.tasksOf(run).size() == 2);
    assertThat(states(run)).doesNotContain("Failed");
  }

  @Test
  void aRunRescheduledWhileItsTaskLivesGetsThatTaskStoppedThenExactlyOneNewTask() {
    String run = scheduledRun();
    startAgent();
    Task first = onlyTaskOf(run);
    AtomicInteger mostLive = new AtomicInteger();
    server.clock().advance(Duration.ofMinutes(11)); // Lazarus acts on a heartbeat 10 minutes old

    actions.lazarusReschedule(run, 1);

    Eventually.until(
        WAIT,
        "a second task, never beside a live first one",
        () -> {
          List<Task> tasks = account.tasksOf(run);
          mostLive.accumulateAndGet(
              (int) tasks.stream().filter(t -> !"STOPPED".equals(t.lastStatus())).count(),
              Math::max);
          return tasks.size() == 2;
        });
    Task old =
        account.tasksOf(run).stream()
            .filter(t -> t.taskArn().equals(first.taskArn()))
            .findFirst()
            .orElseThrow();
    assertThat(old.lastStatus()).isEqualTo("STOPPED");
    assertThat(old.stoppedReason()).contains("rescheduled", "Rescheduled by a Lazarus process.");
    assertThat(mostLive).as("live tasks of the run at any one look").hasValue(1);

    Eventually.until(
        WAIT,
        "the old task forgotten",
        () ->
            agent.registry().get(run).map(e -> !e.taskArn().equals(first.taskArn())).orElse(false));
    assertThat(server.flowRunState(run)).isEqualTo("Submitted");
    assertThat(states(run)).containsExactly("Scheduled", "Submitted", "Scheduled", "Submitted");
    JsonNode claim = server.flowRunSerializedState(run);
    Task fresh =
        account.tasksOf(run).stream()
            .filter(t -> !t.taskArn().equals(first.taskArn()))
            .findFirst()
            .orElseThrow();
    assertThat(fresh.tags())
        .anySatisfy(
            t -> {
              assertThat(t.key()).isEqualTo("prefect:attempt");
              assertThat(t.value()).isEqualTo(PrefectStates.attemptOf(claim));
            });
    assertThat(logs(run, "ERROR")).isEmpty();
  }

  @Test
  void aSpotInterruptionResetsTheInterruptedTaskRunAndRelaunchesOnFargate() {
    String run = scheduledRun();
    startAgent();
    Task first = onlyTaskOf(run);
    String taskRun = flowProcessRuns(run);
    server.clock().advance(Duration.ofMinutes(1)); // past the server's 30 s Submitted lock

    account.stopTask(first.taskArn(), "Your Spot Task was interrupted.");

    Eventually.until(WAIT, "a second task", () -> account.tasksOf(run).size() == 2);
    Task second =
        account.tasksOf(run).stream()
            .filter(t -> !t.taskArn().equals(first.taskArn()))
            .findFirst()
            .orElseThrow();
    assertThat(second.capacityProviderName()).isEqualTo("FARGATE");
    assertThat(server.taskRunState(taskRun)).isEqualTo("Pending");
    assertThat(actions.taskRuns(run))
        .singleElement()
        .satisfies(t -> assertThat(t.message()).contains("Fargate Spot", first.taskArn()));
    assertThat(states(run))
        .containsExactly("Scheduled", "Submitted", "Running", "Scheduled", "Submitted");
  }
}
