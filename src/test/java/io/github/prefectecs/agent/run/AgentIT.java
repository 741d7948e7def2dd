package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole agent (real GraphQL client, fake launcher) against the Prefect Server double. */
@Timeout(120)
class AgentIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private PrefectServerDouble server;
  private final List<Agent> agents = new ArrayList<>();
  private final RecordingLauncher launcher = new RecordingLauncher();

  @BeforeEach
  void startServer() {
    server = PrefectServerDouble.start();
  }

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::close);
    server.close();
  }

  private Agent startAgent(AgentConfig config) {
    Agent agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> launcher)
            .clock(Clock.systemUTC())
            .build();
    agents.add(agent);
    agent.start();
    return agent;
  }

  private Agent startAgent(List<String> labels) {
    return startAgent(TestConfigs.server(server.uri(), labels));
  }

  private String dueRun(String flowId, List<String> labels) {
    return server.createFlowRun(flowId, labels, Instant.now().minusSeconds(1));
  }

  @Test
  void submitsOnlyRunsWhoseLabelsAreASubsetOfTheAgents() {
    String flow = server.createFlow("etl");
    String exact = dueRun(flow, List.of("dev", "java"));
    String subset = dueRun(flow, List.of("dev"));
    String otherLabel = dueRun(flow, List.of("dev", "prod"));
    String unlabelled = dueRun(flow, List.of());

    startAgent(List.of("dev", "java"));

    Eventually.until(
        WAIT,
        "both matching runs launched",
        () -> launcher.launchedRuns().containsAll(List.of(exact, subset)));
    Eventually.until(
        WAIT,
        "the Submitted log of both runs",
        () ->
            hasLog(exact, "Submitted for execution: Task arn:aws:ecs:") && hasLog(subset, "Task"));
    assertThat(server.flowRunState(exact)).isEqualTo("Submitted");
    assertThat(server.flowRunState(subset)).isEqualTo("Submitted");
    assertThat(server.flowRunState(otherLabel)).isEqualTo("Scheduled");
    assertThat(server.flowRunState(unlabelled)).isEqualTo("Scheduled");
    assertThat(launcher.launchedRuns()).doesNotContain(otherLabel, unlabelled);
    assertThat(server.flowRunStateHistory(otherLabel)).hasSize(1);
    assertThat(server.logs(unlabelled)).isEmpty();
  }

  @Test
  void unlabelledAgentTakesOnlyUnlabelledRuns() {
    String flow = server.createFlow("etl");
    String unlabelled = dueRun(flow, List.of());
    String labelled = dueRun(flow, List.of("dev"));

    startAgent(List.of());

    Eventually.until(
        WAIT, "unlabelled run launched", () -> launcher.launchedRuns().contains(unlabelled));
    assertThat(server.flowRunState(labelled)).isEqualTo("Scheduled");
    assertThat(launcher.launchedRuns()).doesNotContain(labelled);
  }

  @Test
  void twoAgentsSubmitEachOfFiftyRunsExactlyOnce() {
    String flow = server.createFlow("etl");
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      runs.add(dueRun(flow, List.of("dev")));
    }
    startAgent(List.of("dev"));
    startAgent(List.of("dev"));

    Eventually.until(
        Duration.ofSeconds(60),
        () -> "all 50 launched, launched so far " + launcher.launchedRuns().size(),
        () -> launcher.launchedRuns().containsAll(runs));
    Eventually.until(
        WAIT, "a Submitted log on every run", () -> runs.stream().allMatch(r -> hasLog(r, "Task")));
    assertThat(launcher.launches()).hasSize(50).doesNotHaveDuplicates();
    for (String run : runs) {
      assertThat(server.flowRunState(run)).isEqualTo("Submitted");
      assertThat(
              server.flowRunStateHistory(run).stream()
                  .filter(s -> s.path("type").asText().equals("Submitted")))
          .as("Submitted states of %s", run)
          .hasSize(1);
      assertThat(server.logs(run))
          .filteredOn(l -> l.message().startsWith("Submitted for execution"))
          .hasSize(1);
    }
  }

  @Test
  void aScheduledRunAndItsScheduledTaskRunAreBothSubmitted() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    String taskRun = server.createTaskRun(run, "Scheduled", Instant.now().minusSeconds(10));

    startAgent(List.of());

    Eventually.until(WAIT, "launched", () -> hasLog(run, "Submitted for execution: Task"));
    assertThat(server.flowRunSerializedState(run).path("message").asText())
        .isEqualTo("Submitted for execution");
    assertThat(server.flowRunSerializedState(run).path("state").path("type").asText())
        .isEqualTo("Scheduled");
    Eventually.until(
        WAIT, "task run submitted", () -> "Submitted".equals(server.taskRunState(taskRun)));
  }

  @Test
  void aRunningFlowRunWithARetryingTaskRunIsLaunchedAgainWithoutTouchingItsState() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    server.setFlowRunState(
        run,
        JSON.createObjectNode()
            .put("type", "Running")
            .put("message", "Running flow.")
            .put("__version__", "0.15.13"));
    String taskRun = server.createTaskRun(run, "Retrying", Instant.now().minusSeconds(10));

    startAgent(List.of());

    Eventually.until(WAIT, "launched", () -> launcher.launchedRuns().contains(run));
    Eventually.until(
        WAIT, "task run submitted", () -> "Submitted".equals(server.taskRunState(taskRun)));
    assertThat(server.flowRunState(run)).isEqualTo("Running");
  }

  @Test
  void registersWithTheServerAndSendsItsIdOnEveryLaterRequest() {
    Agent agent = startAgent(List.of("dev"));
    Eventually.until(WAIT, "healthy", () -> agent.health().status().healthy());

    assertThat(server.agents())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.type()).isEqualTo("ECSAgent");
              assertThat(a.name()).isEqualTo("test-agent");
              assertThat(a.labels()).containsExactly("dev");
              assertThat(a.coreVersion()).isEqualTo("0.15.13");
            });
    String agentId = server.agents().get(0).id();
    Eventually.until(
        WAIT, "a poll after registration", () -> server.requestCount("get_runs_in_queue") > 0);
    assertThat(server.requests())
        .filteredOn(r -> r.body().contains("get_runs_in_queue"))
        .allSatisfy(r -> assertThat(r.header("X-PREFECT-AGENT-ID")).isEqualTo(agentId));
    assertThat(server.validationErrors()).isEmpty();
  }

  @Test
  void aRejectedLaunchFailsTheRunWithItsReasonAndAnErrorLog() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    launcher.reject(
        run, "Flow run has a `run_config` of type `LocalRun`, only `ECSRun` is supported");

    startAgent(List.of());

    Eventually.until(WAIT, "run failed", () -> "Failed".equals(server.flowRunState(run)));
    assertThat(server.flowRunSerializedState(run).path("message").asText())
        .contains("only `ECSRun` is supported");
    Eventually.until(WAIT, "error log", () -> !server.logs(run).isEmpty());
    assertThat(server.logs(run))
        .anySatisfy(
            l -> {
              assertThat(l.level()).isEqualTo("ERROR");
              assertThat(l.message()).contains("LocalRun");
              assertThat(l.name()).isEqualTo("test-agent");
            });
  }

  @Test
  void aTransientLaunchFailureIsRetriedAndTheRunLaunchedOnce() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    launcher.failTransiently(run, 2);

    startAgent(List.of());

    Eventually.until(WAIT, "launched log", () -> hasLog(run, "Submitted for execution: Task"));
    assertThat(launcher.launches()).containsExactly(run, run, run);
    assertThat(server.flowRunState(run)).isEqualTo("Submitted");
  }

  @Test
  void throttlingNeverFailsARunHoweverOftenItHappens() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    launcher.throttle(run, 3 * 5);

    startAgent(List.of());

    Eventually.until(WAIT, "launched log", () -> hasLog(run, "Submitted for execution: Task"));
    assertThat(launcher.launches()).hasSize(16);
    assertThat(server.flowRunState(run)).isEqualTo("Submitted");
  }

  @Test
  void transientFailuresBeyondTheAttemptLimitFailTheRun() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    launcher.failTransiently(run, 100);

    startAgent(List.of());

    Eventually.until(WAIT, "run failed", () -> "Failed".equals(server.flowRunState(run)));
    assertThat(launcher.launches()).hasSize(5);
    assertThat(server.flowRunSerializedState(run).path("message").asText())
        .isEqualTo("Failed to start an ECS task after 5 attempts: capacity unavailable");
  }

  @Test
  void aRunDueInTheFutureIsClaimedAtItsStartTimeNotBefore() {
    String flow = server.createFlow("etl");
    Instant start = Instant.now().plusSeconds(4);
    String run = server.createFlowRun(flow, List.of(), start);

    startAgent(List.of());

    Eventually.until(WAIT, "launched", () -> launcher.launchedRuns().contains(run));
    assertThat(Instant.now()).isAfterOrEqualTo(start.minusMillis(50));
  }

  @Test
  void aRunWhoseTaskSurvivedARestartIsReportedNotStartedAgain() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    launcher.alreadyRunning(run, "arn:aws:ecs:us-east-1:123456789012:task/test/old");

    Agent agent = startAgent(List.of());

    Eventually.until(WAIT, "the old task reported", () -> hasLog(run, "task/test/old"));
    assertThat(launcher.launches()).doesNotContain(run);
    assertThat(launcher.forgotten()).doesNotContain(run);
    assertThat(server.logs(run))
        .extracting(l -> l.message())
        .contains(
            "Task already running for this flow run; not starting another",
            "Submitted for execution: Task arn:aws:ecs:us-east-1:123456789012:task/test/old");
    assertThat(agent.registry().get(run))
        .hasValueSatisfying(e -> assertThat(e.taskArn()).endsWith("/old"));
  }

  @Test
  void aLaunchedRunThatTheServerReschedulesGetsANewTask() {
    String flow = server.createFlow("etl");
    String run = dueRun(flow, List.of());
    startAgent(List.of());
    Eventually.until(WAIT, "first launch", () -> hasLog(run, "Submitted for execution"));

    // As Lazarus does when a Submitted run's heartbeat goes stale (10 minutes on, so the
    // server's 30-second Submitted lock has long expired).
    server.clock().advance(Duration.ofMinutes(10));
    server.setFlowRunState(
        run, PrefectStates.scheduled("Rescheduled by a Lazarus process.", Instant.now()));

    Eventually.until(WAIT, "second launch", () -> launcher.launches().size() == 2);
    assertThat(launcher.forgotten()).containsExactly(run);
    Eventually.until(
        WAIT,
        "two Submitted logs",
        () ->
            server.logs(run).stream().filter(l -> l.message().startsWith("Submitted")).count()
                == 2);
  }

  @Test
  void healthEndpointAndPokeAnswer() throws Exception {
    Agent agent = startAgent(List.of());
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + agent.healthPort());
    Eventually.until(WAIT, "healthy", () -> agent.health().status().healthy());

    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"ok\"");

    // Let the loop go idle (waits of 0.25, 0.5, 1, 2, 4, 8, then 10 s), and poke just after an
    // idle poll: without the poke the next poll is 10 s away; with it the new run is launched at
    // once.
    Eventually.until(WAIT, "idle polls", () -> server.requestCount("get_runs_in_queue") >= 7);
    int polls = server.requestCount("get_runs_in_queue");
    Eventually.until(
        WAIT, "the next idle poll", () -> server.requestCount("get_runs_in_queue") > polls);
    String run = dueRun(server.createFlow("late"), List.of());
    HttpResponse<String> poke =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/poke")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(poke.statusCode()).isEqualTo(200);
    Eventually.until(
        Duration.ofSeconds(6),
        "poked poll launched the new run",
        () -> launcher.launchedRuns().contains(run));
  }

  @Test
  void maxPollsEndsTheAgentCleanly() throws Exception {
    AgentConfig config = TestConfigs.server(server.uri(), List.of(), 4, 3);
    Agent agent = startAgent(config);
    assertThat(agent.awaitStopRequest(WAIT)).isTrue();
    agent.close();
    assertThat(agent.exitCode()).isZero();
    assertThat(server.requestCount("get_runs_in_queue")).isEqualTo(3);
  }

  private boolean hasLog(String run, String text) {
    return server.logs(run).stream().anyMatch(l -> l.message().contains(text));
  }
}
