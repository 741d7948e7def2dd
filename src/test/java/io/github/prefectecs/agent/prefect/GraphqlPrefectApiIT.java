package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.prefect.server.RecordedRequest;
import io.github.prefectecs.agent.support.Backoff;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class GraphqlPrefectApiIT {
  private static final String KEY = "pcu_SECRETKEY123";
  private static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";
  private static final OkHttpClient HTTP = new OkHttpClient();

  private PrefectServerDouble server;
  private GraphqlPrefectApi api;
  private Instant now;
  private String flowId;

  static PrefectApiSettings settings(URI uri, Secret key) {
    return PrefectApiSettings.of(
            uri, Backend.SERVER, key, Secret.empty(), null, Duration.ofSeconds(5), "0.15.13")
        .withRetries(
            5, new Backoff(Duration.ofMillis(10), Duration.ofMillis(100)), Duration.ofMillis(5));
  }

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    now = Instant.parse("2021-12-01T10:00:00Z");
    server.clock().freeze(now);
    flowId = server.createFlow("etl");
    api = new GraphqlPrefectApi(settings(server.uri(), Secret.empty()), HTTP, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    assertThat(server.validationErrors()).as("queries rejected by the schema").isEmpty();
    api.close();
    server.close();
  }

  @Test
  void registersAndSendsTheAgentIdAndCoreVersionOnEveryLaterRequest() {
    String tenant = api.defaultTenantId();
    String agentId =
        api.registerAgent(new AgentRegistration("ECSAgent", "agent", List.of("dev"), tenant, null));
    api.hello();
    api.runsInQueue(tenant, List.of("dev"), now);

    List<RecordedRequest> requests = server.requests();
    assertThat(tenant).isEqualTo(server.defaultTenantId());
    assertThat(requests).hasSize(4);
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.header("X-PREFECT-CORE-VERSION")).isEqualTo("0.15.13");
              assertThat(r.header("Authorization")).isNull();
              assertThat(r.header("X-PREFECT-TENANT-ID")).isNull();
            });
    assertThat(requests.get(0).header("X-PREFECT-AGENT-ID")).isNull();
    assertThat(requests.get(1).header("X-PREFECT-AGENT-ID")).isNull();
    assertThat(requests.get(2).header("X-PREFECT-AGENT-ID")).isEqualTo(agentId);
    assertThat(requests.get(3).header("X-PREFECT-AGENT-ID")).isEqualTo(agentId);
    assertThat(server.agents())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.id()).isEqualTo(agentId);
              assertThat(a.type()).isEqualTo("ECSAgent");
              assertThat(a.labels()).containsExactly("dev");
              assertThat(a.coreVersion()).isEqualTo("0.15.13");
            });
  }

  @Test
  void registeringWithoutATenantIsAnError() {
    PrefectApiException error =
        catchThrowableOfType(
            () ->
                api.registerAgent(new AgentRegistration("ECSAgent", "a", List.of(), UNKNOWN, null)),
            PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.GRAPHQL);
    assertThat(error.getMessage()).contains("Foreign key violation.").doesNotContain("\n");
  }

  @Test
  void runsInQueueAndFlowRunsReadReadyRunsOldestFirst() {
    String later = server.createFlowRun(flowId, List.of("dev"), now.minusSeconds(10));
    String earlier = server.createFlowRun(flowId, List.of("dev"), now.minusSeconds(20));
    String running = server.createFlowRun(flowId, List.of("dev"), now.minusSeconds(30));
    server.setFlowRunState(running, PrefectStates.failed("x").put("type", "Running"));
    String task = server.createTaskRun(running, "Retrying", now.minusSeconds(15));

    List<String> ids = api.runsInQueue(server.defaultTenantId(), List.of("dev"), now);
    List<FlowRun> runs = api.flowRuns(ids, now.minusSeconds(3));

    assertThat(ids).containsExactly(earlier, later, running);
    assertThat(server.requestCount("flow_run")).isEqualTo(1);
    // the Running run has no start_time in its state, so it sorts as "now", last
    assertThat(runs).extracting(FlowRun::id).containsExactly(earlier, later, running);
    FlowRun first = runs.get(0);
    assertThat(first.state()).isEqualTo("Scheduled");
    assertThat(first.version()).isEqualTo(1);
    assertThat(first.flow().name()).isEqualTo("etl");
    assertThat(first.flow().coreVersion()).isEqualTo("0.15.13");
    assertThat(first.scheduledStartTime()).isEqualTo(now.minusSeconds(20));
    assertThat(first.serializedState().path("message").asText()).isEqualTo("Flow run scheduled.");
    assertThat(runs.get(2).taskRuns()).extracting(TaskRun::id).containsExactly(task);
    assertThat(api.flowRuns(List.of(), now)).isEmpty();
  }

  @Test
  void oneFailingStateUpdateDoesNotFailTheOthers() {
    String a = server.createFlowRun(flowId, List.of(), now);
    String b = server.createFlowRun(flowId, List.of(), now);

    List<UpdateResult> results =
        api.setFlowRunStates(
            List.of(
                new StateUpdate(
                    a,
                    1,
                    PrefectStates.submitted(
                        server.flowRunSerializedState(a), "Submitted for execution")),
                new StateUpdate(UNKNOWN, 1, PrefectStates.failed("x")),
                new StateUpdate(b, 1, PrefectStates.failed("boom"))));

    assertThat(server.requestCount("set_flow_run_states")).isEqualTo(1);
    assertThat(results).extracting(UpdateResult::runId).containsExactly(a, UNKNOWN, b);
    assertThat(results.get(0).isOk()).isTrue();
    assertThat(results.get(1).error().kind()).isEqualTo(Kind.ALREADY_SUBMITTED);
    assertThat(results.get(1).error().getMessage())
        .contains("State update failed for flow run ID " + UNKNOWN);
    assertThat(results.get(2).isOk()).isTrue();
    assertThat(server.flowRunState(a)).isEqualTo("Submitted");
    assertThat(server.flowRunSerializedState(a).path("state").path("type").asText())
        .isEqualTo("Scheduled");
    assertThat(server.flowRunState(b)).isEqualTo("Failed");
  }

  @Test
  void submittingTwiceIsAlreadySubmitted() {
    String run = server.createFlowRun(flowId, List.of(), now);
    StateUpdate submit =
        new StateUpdate(run, 1, PrefectStates.submitted(null, "Submitted for execution"));
    api.setFlowRunStates(List.of(submit));

    UpdateResult second = api.setFlowRunStates(List.of(submit)).get(0);

    assertThat(second.error().kind()).isEqualTo(Kind.ALREADY_SUBMITTED);
    assertThat(second.error().retryable()).isFalse();
  }

  @Test
  void setsTaskRunStates() {
    String run = server.createFlowRun(flowId, List.of(), now);
    String task = server.createTaskRun(run, "Scheduled", now);

    List<UpdateResult> results =
        api.setTaskRunStates(
            List.of(
                new StateUpdate(
                    task, 1, PrefectStates.submitted(null, PrefectStates.TASK_RUN_SUBMITTED)),
                new StateUpdate(UNKNOWN, 1, PrefectStates.failed("x"))));

    assertThat(results.get(0).isOk()).isTrue();
    assertThat(results.get(1).error().getMessage()).contains("State update failed for task run ID");
    assertThat(server.taskRunState(task)).isEqualTo("Submitted");
  }

  @Test
  void logsOfAnUnknownRunFailOnlyThatRun() {
    String a = server.createFlowRun(flowId, List.of(), now);
    String b = server.createFlowRun(flowId, List.of(), now);

    List<UpdateResult> results =
        api.writeRunLogs(
            List.of(
                new LogEntry(a, "agent", "INFO", "one", null),
                new LogEntry(UNKNOWN, "agent", "INFO", "lost", null),
                new LogEntry(b, "agent", "WARN", "two", Instant.parse("2021-12-01T09:00:00Z")),
                new LogEntry(a, "agent", "ERROR", "three", null)));

    assertThat(server.requestCount("write_run_logs")).isEqualTo(1);
    assertThat(results).extracting(UpdateResult::runId).containsExactly(a, UNKNOWN, b);
    assertThat(results.get(1).error().getMessage()).contains("Foreign key violation.");
    assertThat(results.get(0).isOk()).isTrue();
    assertThat(server.logs(a))
        .extracting(l -> l.level() + " " + l.message() + " " + l.name())
        .containsExactly("INFO one agent", "ERROR three agent");
    assertThat(server.logs(b))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.level()).isEqualTo("WARNING");
              assertThat(l.timestamp()).isEqualTo(Instant.parse("2021-12-01T09:00:00Z"));
            });
  }

  @Test
  void logInfoIsWrittenAndTheNewestRowOfEachRunAndThoseSinceAreReadBackInOneQueryEach() {
    String a = server.createFlowRun(flowId, List.of(), now);
    String b = server.createFlowRun(flowId, List.of(), now);
    List<LogEntry> lines = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      for (String run : List.of(a, b)) {
        com.fasterxml.jackson.databind.node.ObjectNode info =
            io.github.prefectecs.agent.support.JsonTrees.object();
        info.put("stream", run.equals(a) && i >= 3 ? "other" : "s-" + run);
        info.put("event", i);
        lines.add(
            new LogEntry(
                run, "fwd", "INFO", "line " + i, now.plusMillis(i).plusNanos(7_000), info));
      }
    }
    lines.add(new LogEntry(a, "agent", "INFO", "not forwarded", now.plusSeconds(9)));
    api.writeRunLogs(lines);

    List<RunLogMatch> matches =
        List.of(
            new RunLogMatch(
                a,
                io.github.prefectecs.agent.support.JsonTrees.object().put("stream", "s-" + a),
                null),
            new RunLogMatch(
                b,
                io.github.prefectecs.agent.support.JsonTrees.object().put("stream", "s-" + b),
                null));
    List<RunLogRow> latest = api.latestRunLogs("fwd", matches);
    assertThat(latest)
        .extracting(r -> r.flowRunId() + " " + r.info().get("event").asInt())
        .containsExactlyInAnyOrder(a + " 2", b + " 4");
    assertThat(latest)
        .filteredOn(r -> r.flowRunId().equals(b))
        .singleElement()
        .satisfies(r -> assertThat(r.timestamp()).isEqualTo(now.plusMillis(4).plusNanos(7_000)));

    List<RunLogMatch> since =
        List.of(
            new RunLogMatch(a, matches.get(0).infoContains(), now.plusMillis(1)),
            new RunLogMatch(b, matches.get(1).infoContains(), now.plusMillis(3)));
    assertThat(api.runLogs("fwd", since, 0, 2))
        .extracting(r -> r.flowRunId() + " " + r.info().get("event").asInt())
        .containsExactly(a + " 1", a + " 2");
    assertThat(api.runLogs("fwd", since, 2, 2))
        .extracting(r -> r.flowRunId() + " " + r.info().get("event").asInt())
        .containsExactly(b + " 3", b + " 4");
    assertThat(api.runLogs("fwd", since, 4, 2)).isEmpty();
    assertThat(server.requestCount("log")).isEqualTo(4);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(
      value = io.github.prefectecs.agent.prefect.server.LostAnswers.Mode.class,
      names = {"BAD_GATEWAY_AFTER_COMMIT", "CUT_AFTER_COMMIT"})
  void logsWrittenOnceAreNotSentAgainWhenTheAnswerIsLost(
      io.github.prefectecs.agent.prefect.server.LostAnswers.Mode mode) {
    String run = server.createFlowRun(flowId, List.of(), now);
    server.loseAnswers(1, "write_run_logs", "once", mode, Duration.ZERO);

    PrefectApiException e =
        catchThrowableOfType(
            () -> api.writeRunLogsOnce(List.of(new LogEntry(run, "fwd", "INFO", "once", null))),
            PrefectApiException.class);

    assertThat(e.retryable()).isTrue();
    assertThat(server.logs(run)).extracting(l -> l.message()).containsExactly("once");
    assertThat(server.requestCount("write_run_logs")).isEqualTo(1);
  }

  @Test
  void aLogQueryNamingARunTwiceIsRefusedBeforeItIsSent() {
    String a = server.createFlowRun(flowId, List.of(), now);
    RunLogMatch one =
        new RunLogMatch(
            a, io.github.prefectecs.agent.support.JsonTrees.object().put("s", "1"), null);
    assertThatThrownBy(() -> api.latestRunLogs("fwd", List.of(one, one)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(a);
    assertThat(server.requestCount("log")).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503, 504, 408})
  void retriesServerErrors(int status) {
    server.failNextRequests(2, status);

    api.hello();

    assertThat(server.requestCount()).isEqualTo(3);
  }

  @Test
  void retriesA429AfterRetryAfter() {
    api =
        new GraphqlPrefectApi(
            settings(server.uri(), Secret.empty())
                .withRetries(
                    3,
                    new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5)),
                    Duration.ofMillis(5)),
            HTTP,
            Clock.systemUTC());
    server.failNextRequestsWith429(1, 1);
    long started = System.nanoTime();

    api.hello();

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(server.requestCount()).isEqualTo(2);
  }

  @Test
  void retriesWhileTheServerIsDown() {
    AtomicInteger pauses = new AtomicInteger();
    api =
        new GraphqlPrefectApi(
            settings(server.uri(), Secret.empty()),
            HTTP,
            Clock.systemUTC(),
            delay -> {
              if (pauses.incrementAndGet() == 2) {
                server.setDown(false);
              }
            });
    server.setDown(true);

    api.hello();

    assertThat(pauses.get()).isEqualTo(2);
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void retriesGarbageBodies() {
    server.garbageNextRequests(2);

    api.hello();

    assertThat(server.requestCount()).isEqualTo(3);
  }

  @Test
  void doesNotRetryA400() {
    server.failNextRequests(1, 400);

    PrefectApiException error = catchThrowableOfType(api::hello, PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.HTTP_STATUS);
    assertThat(error.httpStatus()).isEqualTo(400);
    assertThat(error.retryable()).isFalse();
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void givesUpAfterMaxAttemptsWithARetryableError() {
    server.failNextRequests(10, 503);

    PrefectApiException error = catchThrowableOfType(api::hello, PrefectApiException.class);

    assertThat(error.retryable()).isTrue();
    assertThat(error.httpStatus()).isEqualTo(503);
    assertThat(error.getMessage()).contains("gave up after 5 attempts").doesNotContain("\n");
    assertThat(server.requestCount()).isEqualTo(5);
  }

  @Test
  void typesUnauthorizedAnswers() {
    server.failNextRequests(1, 401);

    assertThatThrownBy(api::hello)
        .isInstanceOfSatisfying(
            PrefectApiException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED));
    assertThat(server.requestCount()).isEqualTo(1);
  }

  @Test
  void neverPutsTheApiKeyInAnExceptionMessage() {
    GraphqlPrefectApi keyed =
        new GraphqlPrefectApi(settings(server.uri(), Secret.of(KEY)), HTTP, Clock.systemUTC());
    server.failNextRequests(1, 401);
    server.failNextRequests(5, 500);
    server.garbageNextRequests(5);
    server.failNextRequests(1, 400);
    StringBuilder messages = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      try {
        keyed.hello();
      } catch (PrefectApiException e) {
        messages.append(e.getMessage()).append(e).append('\n');
      }
    }
    server.setDown(true);
    try {
      keyed.hello();
    } catch (PrefectApiException e) {
      messages.append(e.getMessage()).append('\n');
    }

    assertThat(messages.toString().lines()).hasSize(5);
    assertThat(messages.toString()).doesNotContain(KEY).doesNotContain("SECRETKEY");
    assertThat(settings(server.uri(), Secret.of(KEY)).toString()).doesNotContain(KEY);
    assertThat(server.requests().get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  void createUsesTheAgentConfig() {
    AgentConfig config =
        new AgentConfig(
            "agent",
            List.of(),
            new io.github.prefectecs.agent.config.PrefectConnection(
                Backend.SERVER,
                server.uri().resolve("/graphql/"),
                Secret.empty(),
                null,
                Secret.empty(),
                null,
                Duration.ofSeconds(5)),
            new io.github.prefectecs.agent.config.FlowDefaults(java.util.Map.of(), true, "INFO"),
            EcsSettings.defaults(),
            io.github.prefectecs.agent.config.SupervisionSettings.defaults(),
            io.github.prefectecs.agent.config.LogSettings.defaults(),
            io.github.prefectecs.agent.config.CostSettings.defaults(),
            new io.github.prefectecs.agent.config.Operations(null, "INFO", false, null, 4),
            null);

    try (GraphqlPrefectApi fromConfig = GraphqlPrefectApi.create(config)) {
      fromConfig.hello();
      assertThat(fromConfig.defaultTenantId()).isEqualTo(server.defaultTenantId());
    }

    assertThat(server.requests()).extracting(RecordedRequest::path).containsOnly("/graphql");
    assertThat(server.requests().get(0).header("X-PREFECT-CORE-VERSION"))
        .isEqualTo(AgentConfig.CORE_VERSION);
  }
}
