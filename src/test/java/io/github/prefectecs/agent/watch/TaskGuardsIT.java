package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.github.prefectecs.agent.config.SupervisionSettings;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import io.github.prefectecs.agent.testsupport.ServerActions;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * A whole agent on moto and the Prefect Server double, the test playing the flow process and the
 * UI: a task left running after its run is set Success, or after its run is deleted, is stopped
 * once the orphan grace is over; a run over its maximum runtime is failed; a burst of Spot
 * interruptions opens the Spot circuit breaker (new launches on FARGATE, a Slack notice) and it
 * closes after its cool-down.
 */
@Timeout(300)
class TaskGuardsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LABEL = "guards";
  private static MotoServer moto;
  @TempDir Path dir;
  private MotoAccount account;
  private PrefectServerDouble server;
  private ServerActions actions;
  private Agent agent;
  private HttpServer slack;
  private final List<String> slackTexts = new CopyOnWriteArrayList<>();
  private final AgentMetrics metrics = AgentMetrics.create();

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
  }

  @AfterAll
  static void stopMoto() {
    moto.close();
  }

  @BeforeEach
  void freshWorld() throws IOException {
    account = MotoAccount.fresh(moto, "guards");
    server = PrefectServerDouble.start();
    actions = new ServerActions(server.uri());
    slack = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    slack.createContext(
        "/hook",
        exchange -> {
          slackTexts.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    slack.start();
  }

  @AfterEach
  void stopAll() {
    if (agent != null) {
      agent.close();
    }
    slack.stop(0);
    server.close();
    account.close();
  }

  private void startAgent(SpotBreakerSettings breakerSettings) {
    AgentConfig base =
        TestConfigs.withEcs(
            TestConfigs.server(server.uri(), List.of(LABEL)),
            account.settings(MotoAccount.writeTemplate(dir)).toBuilder()
                .spotBreaker(breakerSettings)
                .build());
    SupervisionSettings defaults = base.supervision();
    AgentConfig config =
        base.withSupervision(
            new SupervisionSettings(
                defaults.startTimeout(),
                defaults.spotRelaunchLimit(),
                Duration.ZERO,
                Duration.ofSeconds(2),
                Secret.of("http://127.0.0.1:" + slack.getAddress().getPort() + "/hook")));
    EcsRateLimits limits = EcsRateLimits.ecsQuotas();
    Clock clock = Clock.systemUTC();
    SpotBreaker breaker = new SpotBreaker(config.ecs().spotBreaker(), metrics, clock);
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(
                tenant ->
                    new EcsLauncher(
                        config, tenant, account.ecs(), account.vpcLookup(), clock, limits, breaker))
            .supervision(new SdkEcsTasks(account.ecs(), limits))
            .spotBreaker(breaker)
            .metrics(metrics)
            .clock(clock)
            .build();
    agent.start();
  }

  private String scheduledRun(Map<String, String> env) {
    ObjectNode runConfig = JSON.createObjectNode().put("type", "ECSRun");
    runConfig.putArray("labels").add(LABEL);
    ObjectNode e = runConfig.putObject("env");
    env.forEach(e::put);
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

  private Task stopped(String runId) {
    Eventually.until(
        WAIT,
        "the task of " + runId + " stopped",
        () -> account.tasksOf(runId).stream().allMatch(t -> "STOPPED".equals(t.lastStatus())));
    return account.tasksOf(runId).get(0);
  }

  private List<String> logs(String runId, String level) {
    return server.logs(runId).stream()
        .filter(l -> level.equals(l.level()))
        .map(LogRecord::message)
        .toList();
  }

  private void flowProcessSets(String runId, String type, String message) {
    ObjectNode state = PrefectStates.failed(message);
    state.put("type", type);
    actions.setFlowRunState(runId, state);
  }

  private double counter(String name, Labels labels) {
    CounterSnapshot s = (CounterSnapshot) metrics.registry().scrape(n -> n.equals(name)).get(0);
    return s.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(labels))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  void aTaskStillRunningAfterItsRunIsSetSuccessIsStoppedAfterTheGrace() {
    startAgent(SpotBreakerSettings.off());
    String run = scheduledRun(Map.of());
    Task task = onlyTaskOf(run);
    flowProcessSets(run, "Running", "Running flow.");
    flowProcessSets(run, "Success", "All reference tasks succeeded.");

    Task done = stopped(run);

    assertThat(done.taskArn()).isEqualTo(task.taskArn());
    assertThat(done.stoppedReason()).contains(run, "orphaned", "ended Success");
    assertThat(server.flowRunState(run)).isEqualTo("Success");
    Eventually.until(WAIT, "the reaper's run log", () -> !logs(run, "WARNING").isEmpty());
    assertThat(logs(run, "WARNING"))
        .singleElement()
        .asString()
        .contains(task.taskArn(), "after its flow run ended Success", "the agent stopped it");
    assertThat(logs(run, "ERROR")).isEmpty();
    assertThat(
            counter(
                "prefect_ecs_agent_orphan_tasks",
                Labels.of("action", "stopped", "reason", "run_finished")))
        .isEqualTo(1);
  }

  @Test
  void aTaskWhoseRunIsDeletedIsStoppedAfterTheGrace() {
    startAgent(SpotBreakerSettings.off());
    String run = scheduledRun(Map.of());
    onlyTaskOf(run);
    flowProcessSets(run, "Running", "Running flow.");

    server.deleteFlowRun(run);

    Task done = stopped(run);
    assertThat(done.stoppedReason()).contains(run, "orphaned", "deleted in Prefect");
    Eventually.until(
        WAIT,
        "counted",
        () ->
            counter(
                    "prefect_ecs_agent_orphan_tasks",
                    Labels.of("action", "stopped", "reason", "run_deleted"))
                == 1);
  }

  @Test
  void aRunOverItsOwnMaximumRuntimeIsFailedWithTheLimitAndTheTime() {
    startAgent(SpotBreakerSettings.off());
    String run = scheduledRun(Map.of("PREFECT_ECS_AGENT_MAX_RUNTIME", "3s"));
    Task task = onlyTaskOf(run);
    assertThat(task.tags()).contains(Tag.builder().key("prefect:max-runtime").value("3").build());
    flowProcessSets(run, "Running", "Running flow.");

    Task done = stopped(run);

    assertThat(done.stoppedReason())
        .isEqualTo("Flow run " + run + " ran past its maximum runtime of 3 s");
    Eventually.until(WAIT, "the run failed", () -> "Failed".equals(server.flowRunState(run)));
    assertThat(server.flowRunSerializedState(run).path("message").asText())
        .startsWith("Task " + task.taskArn() + " ran ")
        .endsWith(", longer than its maximum runtime of 3 s; the agent stopped it");
    // The series is counted once the server has taken the write, a moment after it shows.
    Eventually.until(
        WAIT,
        "the failure counted as max_runtime",
        () -> counter("prefect_ecs_agent_runs_failed", Labels.of("cause", "max_runtime")) == 1);
  }

  @Test
  void aBurstOfSpotInterruptionsOpensTheBreakerUntilItsCoolDownIsOver() {
    startAgent(new SpotBreakerSettings(2, Duration.ofMinutes(10), Duration.ofSeconds(40)));
    String a = scheduledRun(Map.of());
    String b = scheduledRun(Map.of());
    Task ta = onlyTaskOf(a);
    Task tb = onlyTaskOf(b);
    assertThat(ta.capacityProviderName()).isEqualTo("FARGATE_SPOT");

    account.stopTask(ta.taskArn(), "Your Spot Task was interrupted.");
    account.stopTask(tb.taskArn(), "Your Spot Task was interrupted.");

    Eventually.until(
        WAIT,
        "the breaker open",
        () -> slackTexts.stream().anyMatch(t -> t.contains("circuit breaker open")));
    assertThat(gauge()).isEqualTo(1);
    String c = scheduledRun(Map.of());
    Task tc = onlyTaskOf(c);
    assertThat(tc.capacityProviderName()).isEqualTo("FARGATE");
    Eventually.until(
        WAIT,
        "the run log saying why",
        () -> logs(c, "INFO").stream().anyMatch(m -> m.contains("Spot circuit breaker is open")));

    Eventually.until(
        WAIT,
        "the breaker closed",
        () -> slackTexts.stream().anyMatch(t -> t.contains("circuit breaker closed")));
    assertThat(gauge()).isZero();
    String d = scheduledRun(Map.of());
    assertThat(onlyTaskOf(d).capacityProviderName()).isEqualTo("FARGATE_SPOT");
    assertThat(counter("prefect_ecs_agent_spot_breaker_transitions", Labels.of("state", "open")))
        .isEqualTo(1);
    assertThat(counter("prefect_ecs_agent_spot_breaker_transitions", Labels.of("state", "closed")))
        .isEqualTo(1);
  }

  private double gauge() {
    return ((GaugeSnapshot)
            metrics.registry().scrape(n -> n.equals("prefect_ecs_agent_spot_breaker_open")).get(0))
        .getDataPoints()
        .get(0)
        .getValue();
  }
}
