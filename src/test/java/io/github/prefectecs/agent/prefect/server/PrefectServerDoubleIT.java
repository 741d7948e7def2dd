package io.github.prefectecs.agent.prefect.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class PrefectServerDoubleIT {
  private static final String QUEUE =
      "mutation($input: get_runs_in_queue_input!) { get_runs_in_queue(input: $input) {"
          + " flow_run_ids } }";
  private static final String SET_STATES =
      "mutation($input: set_flow_run_states_input!) { set_flow_run_states(input: $input) {"
          + " states { id status message } } }";
  private static final String SET_TASK_STATES =
      "mutation($input: set_task_run_states_input!) { set_task_run_states(input: $input) {"
          + " states { id status message } } }";
  private static final String LOGS =
      "mutation($input: write_run_logs_input!) { write_run_logs(input: $input) { success } }";
  private static final String REGISTER =
      "mutation($input: register_agent_input!) { register_agent(input: $input) { id } }";
  private static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";

  private PrefectServerDouble server;
  private RawGraphql client;
  private Instant now;
  private String flowId;

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    client = new RawGraphql(server.uri());
    now = Instant.parse("2021-12-01T10:00:00Z");
    server.clock().freeze(now);
    flowId = server.createFlow("etl");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private List<String> queue(List<String> agentLabels, Instant before) {
    Map<String, Object> input = new java.util.HashMap<>();
    input.put("tenant_id", server.defaultTenantId());
    input.put("labels", agentLabels);
    if (before != null) {
      input.put("before", PrefectStates.format(before));
    }
    RawGraphql.Reply reply = client.post(QUEUE, Map.of("input", input));
    assertThat(reply.status()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    reply.data("get_runs_in_queue").path("flow_run_ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  static Stream<Arguments> labelRule() {
    return Stream.of(
        Arguments.of(List.of(), List.of(), true),
        Arguments.of(List.of(), List.of("dev"), false),
        Arguments.of(List.of("dev", "java"), List.of(), false),
        Arguments.of(List.of("dev", "java"), List.of("dev"), true),
        Arguments.of(List.of("dev", "java"), List.of("dev", "java"), true),
        Arguments.of(List.of("dev"), List.of("dev", "java"), false),
        Arguments.of(List.of("foo", "staging"), List.of("foo", "bar"), false));
  }

  @ParameterizedTest(name = "agent {0}, run {1} -> {2}")
  @MethodSource("labelRule")
  void queueAppliesTheServerLabelRule(
      List<String> agentLabels, List<String> runLabels, boolean returned) {
    String run = server.createFlowRun(flowId, runLabels, now.minusSeconds(5));

    List<String> ids = queue(agentLabels, now);

    assertThat(ids.contains(run)).isEqualTo(returned);
  }

  @Test
  void queueReturnsOnlyRunsStartingAtOrBeforeBefore() {
    String due = server.createFlowRun(flowId, List.of(), now);
    String later = server.createFlowRun(flowId, List.of(), now.plusSeconds(60));

    assertThat(queue(List.of(), null)).containsExactly(due);
    assertThat(queue(List.of(), now.plusSeconds(60))).containsExactly(due, later);
  }

  @Test
  void queueReturnsAtMost25OldestFirst() {
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      offsets.add(i);
    }
    Collections.shuffle(offsets, new java.util.Random(7));
    Map<Integer, String> byOffset = new java.util.TreeMap<>();
    for (int offset : offsets) {
      byOffset.put(offset, server.createFlowRun(flowId, List.of(), now.minusSeconds(100 - offset)));
    }

    List<String> ids = queue(List.of(), now);

    assertThat(ids)
        .hasSize(25)
        .containsExactlyElementsOf(new ArrayList<>(byOffset.values()).subList(0, 25));
  }

  @Test
  void queueLooksOnlyAtThe75OldestCandidatesBeforeFilteringLabels() {
    for (int i = 0; i < 75; i++) {
      server.createFlowRun(flowId, List.of("other"), now.minusSeconds(1000 - i));
    }
    server.createFlowRun(flowId, List.of("dev"), now.minusSeconds(1));

    assertThat(queue(List.of("dev"), now)).isEmpty();
  }

  @Test
  void queueReturnsRunningRunsWithAScheduledTaskRun() {
    String run = server.createFlowRun(flowId, List.of(), now.minusSeconds(60));
    server.setFlowRunState(run, PrefectStates.scheduled("x", null).put("type", "Running"));
    server.createTaskRun(run, "Retrying", now.minusSeconds(1));
    String idle = server.createFlowRun(flowId, List.of(), now.minusSeconds(60));
    server.setFlowRunState(idle, PrefectStates.scheduled("x", null).put("type", "Running"));
    server.createTaskRun(idle, "Retrying", now.plusSeconds(60));

    assertThat(queue(List.of(), now)).containsExactly(run);
  }

  @Test
  void queueUpdatesLastQueriedOfTheAgentInTheHeader() {
    RawGraphql.Reply reg =
        client.post(
            REGISTER,
            Map.of(
                "input",
                Map.of(
                    "type",
                    "ECSAgent",
                    "name",
                    "a",
                    "labels",
                    List.of(),
                    "tenant_id",
                    server.defaultTenantId())));
    String agentId = reg.data("register_agent").path("id").asText();
    server.clock().advance(Duration.ofMinutes(3));

    client.post(
        QUEUE,
        Map.of("input", Map.of("tenant_id", server.defaultTenantId(), "labels", List.of())),
        Map.of("X-Prefect-Agent-Id", agentId));

    assertThat(server.agents())
        .singleElement()
        .satisfies(a -> assertThat(a.lastQueried()).isEqualTo(now.plus(Duration.ofMinutes(3))));
  }

  @Test
  void queueWithExplicitNullLabelsFailsWithTheServerText() {
    Map<String, Object> input = new java.util.HashMap<>();
    input.put("tenant_id", server.defaultTenantId());
    input.put("labels", null);

    RawGraphql.Reply reply = client.post(QUEUE, Map.of("input", input));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().path("data").path("get_runs_in_queue").isNull()).isTrue();
    assertThat(reply.firstError()).isEqualTo("'NoneType' object has no attribute 'sort'");
  }

  @Test
  void submittedIsLockedFor30Seconds() {
    String run = server.createFlowRun(flowId, List.of(), now);
    Map<String, Object> submit =
        states(run, PrefectStates.submitted(null, "Submitted for execution"));

    assertThat(client.post(SET_STATES, submit).firstError()).isNull();
    RawGraphql.Reply second = client.post(SET_STATES, submit);
    assertThat(second.firstError())
        .isEqualTo("State update failed: this run has already been submitted.");
    assertThat(second.body().path("errors").path(0).path("path").path(0).asText())
        .isEqualTo("set_flow_run_states");
    assertThat(second.body().path("errors").path(0).path("extensions").path("code").asText())
        .isEqualTo("INTERNAL_SERVER_ERROR");
    server.clock().advance(Duration.ofSeconds(29));
    assertThat(client.post(SET_STATES, submit).firstError()).isNotNull();
    server.clock().advance(Duration.ofSeconds(1));
    assertThat(client.post(SET_STATES, submit).firstError()).isNull();
    assertThat(server.flowRunColumn(run, "version")).isEqualTo(3);
  }

  @Test
  void setFlowRunStatesCopiesTheStateAndRecordsTheAgent() {
    String run = server.createFlowRun(flowId, List.of(), now);
    String agentId =
        client
            .post(
                REGISTER,
                Map.of("input", Map.of("type", "ECSAgent", "tenant_id", server.defaultTenantId())))
            .data("register_agent")
            .path("id")
            .asText();

    RawGraphql.Reply reply =
        client.post(
            SET_STATES,
            states(
                run,
                PrefectStates.submitted(
                    server.flowRunSerializedState(run), "Submitted for execution")),
            Map.of("X-PREFECT-AGENT-ID", agentId));

    assertThat(reply.data("set_flow_run_states").path("states").path(0).path("status").asText())
        .isEqualTo("SUCCESS");
    assertThat(server.flowRunState(run)).isEqualTo("Submitted");
    assertThat(server.flowRunColumn(run, "agent_id")).isEqualTo(agentId);
    assertThat(server.flowRunColumn(run, "heartbeat")).isEqualTo(now);
    assertThat(server.flowRunColumn(run, "version")).isEqualTo(2);
    assertThat(server.flowRunStateHistory(run))
        .extracting(s -> s.path("type").asText())
        .containsExactly("Scheduled", "Submitted");
  }

  @Test
  void unknownFlowRunFailsTheFieldButKeepsEarlierItems() {
    String run = server.createFlowRun(flowId, List.of(), now);
    Map<String, Object> input =
        Map.of(
            "input",
            Map.of(
                "states",
                List.of(
                    Map.of("flow_run_id", run, "state", PrefectStates.failed("boom")),
                    Map.of("flow_run_id", UNKNOWN, "state", PrefectStates.failed("boom")))));

    RawGraphql.Reply reply = client.post(SET_STATES, input);

    assertThat(reply.body().path("data").path("set_flow_run_states").isNull()).isTrue();
    assertThat(reply.firstError()).isEqualTo("State update failed for flow run ID " + UNKNOWN);
    assertThat(server.flowRunState(run)).isEqualTo("Failed");
  }

  @Test
  void unknownStateTypeIsRejected() {
    String run = server.createFlowRun(flowId, List.of(), now);

    RawGraphql.Reply reply =
        client.post(SET_STATES, states(run, PrefectStates.failed("x").put("type", "Bogus")));

    assertThat(reply.firstError()).contains("Unsupported value: Bogus");
    assertThat(server.flowRunState(run)).isEqualTo("Scheduled");
  }

  @Test
  void unknownTaskRunAndRunningTaskOfIdleFlowRunAreRejected() {
    String run = server.createFlowRun(flowId, List.of(), now);
    String task = server.createTaskRun(run, "Pending", null);

    assertThat(
            client
                .post(
                    SET_TASK_STATES,
                    Map.of(
                        "input",
                        Map.of(
                            "states",
                            List.of(
                                Map.of(
                                    "task_run_id", UNKNOWN, "state", PrefectStates.failed("x"))))))
                .firstError())
        .isEqualTo("State update failed for task run ID " + UNKNOWN);
    assertThat(
            client
                .post(
                    SET_TASK_STATES,
                    Map.of(
                        "input",
                        Map.of(
                            "states",
                            List.of(
                                Map.of(
                                    "task_run_id",
                                    task,
                                    "state",
                                    PrefectStates.failed("x").put("type", "Running"))))))
                .firstError())
        .startsWith("State update failed for task run ID " + task + ": provided a running state");
    client.post(
        SET_TASK_STATES,
        Map.of(
            "input",
            Map.of(
                "states",
                List.of(
                    Map.of(
                        "task_run_id",
                        task,
                        "state",
                        PrefectStates.submitted(null, "Submitted for execution."))))));
    assertThat(server.taskRunState(task)).isEqualTo("Submitted");
  }

  @Test
  void logsWithAnUnknownRunRejectTheWholeBatch() {
    String run = server.createFlowRun(flowId, List.of(), now);
    RawGraphql.Reply rejected =
        client.post(
            LOGS,
            Map.of(
                "input",
                Map.of(
                    "logs",
                    List.of(
                        Map.of("flow_run_id", run, "message", "a"),
                        Map.of("flow_run_id", UNKNOWN, "message", "b")))));
    RawGraphql.Reply written =
        client.post(
            LOGS,
            Map.of(
                "input",
                Map.of(
                    "logs",
                    List.of(
                        Map.of("flow_run_id", run, "message", "c", "name", "agent"),
                        Map.of(
                            "flow_run_id",
                            run,
                            "message",
                            "d",
                            "level",
                            "ERROR",
                            "timestamp",
                            "2021-12-01T09:00:00+00:00")))));

    assertThat(rejected.firstError()).isEqualTo("Foreign key violation.");
    assertThat(written.data("write_run_logs").path("success").asBoolean()).isTrue();
    assertThat(server.logs(run))
        .extracting(LogRecord::message, LogRecord::level, LogRecord::timestamp)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("c", "INFO", now),
            org.assertj.core.groups.Tuple.tuple(
                "d", "ERROR", Instant.parse("2021-12-01T09:00:00Z")));
  }

  @Test
  void theLogTableIsQueriedWithHasurasWhereOrderByDistinctOnAndLimit() {
    String run = server.createFlowRun(flowId, List.of(), now);
    String other = server.createFlowRun(flowId, List.of(), now);
    List<Map<String, Object>> logs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      for (String r : List.of(run, other)) {
        logs.add(
            Map.of(
                "flow_run_id",
                r,
                "message",
                "m" + i,
                "name",
                "fwd",
                "timestamp",
                PrefectStates.format(now.plusSeconds(i)),
                "info",
                Map.of("stream", "s", "i", i)));
      }
    }
    logs.add(Map.of("flow_run_id", run, "message", "mine", "name", "agent"));
    client.post(LOGS, Map.of("input", Map.of("logs", logs)));

    RawGraphql.Reply newest =
        client.post(
            "query($where: log_bool_exp) { log(where: $where, distinct_on: [flow_run_id],"
                + " order_by: [{flow_run_id: asc}, {timestamp: desc}]) { flow_run_id message"
                + " timestamp info id tenant_id is_loaded_from_archive } }",
            Map.of("where", Map.of("name", Map.of("_eq", "fwd"))));
    assertThat(newest.status()).isEqualTo(200);
    List<String> rows = new ArrayList<>();
    newest
        .data("log")
        .forEach(r -> rows.add(r.path("flow_run_id").asText() + " " + r.path("message").asText()));
    assertThat(rows).containsExactlyInAnyOrder(run + " m3", other + " m3");
    assertThat(newest.data("log").path(0).path("info").path("i").asInt()).isEqualTo(3);
    assertThat(newest.data("log").path(0).path("tenant_id").isNull()).isTrue();

    RawGraphql.Reply window =
        client.post(
            "query { log(where: {flow_run_id: {_eq: \""
                + run
                + "\"}, info: {_contains: {stream:"
                + " \"s\"}}, timestamp: {_gte: \"2021-12-01T10:00:01+00:00\"}}, order_by:"
                + " [{timestamp: asc}, {id: asc}], offset: 1, limit: 1) { message } }",
            null);
    assertThat(window.data("log").path(0).path("message").asText()).isEqualTo("m2");
    assertThat(window.data("log")).hasSize(1);

    RawGraphql.Reply misordered =
        client.post(
            "query { log(distinct_on: [flow_run_id], order_by: [{timestamp: desc}]) { id } }",
            null);
    assertThat(misordered.firstError())
        .isEqualTo("\"distinct_on\" columns must match initial \"order_by\" columns");
  }

  @Test
  void badLogLevelIsAVariableErrorAnswered400() {
    String run = server.createFlowRun(flowId, List.of(), now);

    RawGraphql.Reply reply =
        client.post(
            LOGS,
            Map.of(
                "input",
                Map.of(
                    "logs",
                    List.of(Map.of("flow_run_id", run, "message", "a", "level", "bad-level")))));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().has("data")).isFalse();
    assertThat(server.validationErrors()).hasSize(1);
  }

  @Test
  void variablesMayBeAJsonString() {
    String run = server.createFlowRun(flowId, List.of(), now.minusSeconds(1));
    String variables =
        "{\"input\": {\"tenant_id\": \"" + server.defaultTenantId() + "\", \"labels\": []}}";

    RawGraphql.Reply reply = client.post(QUEUE, variables);

    assertThat(reply.data("get_runs_in_queue").path("flow_run_ids").path(0).asText())
        .isEqualTo(run);
  }

  @Test
  void registerAgentDeduplicatesAndNeedsATenant() {
    Map<String, Object> input =
        Map.of(
            "type",
            "ECSAgent",
            "name",
            "a",
            "labels",
            List.of("b", "a"),
            "tenant_id",
            server.defaultTenantId());
    Map<String, String> headers = Map.of("X-PREFECT-CORE-VERSION", "0.15.13");
    String first =
        client
            .post(REGISTER, Map.of("input", input), headers)
            .data("register_agent")
            .path("id")
            .asText();
    Map<String, Object> reordered = new java.util.HashMap<>(input);
    reordered.put("labels", List.of("a", "b"));
    String second =
        client
            .post(REGISTER, Map.of("input", reordered), headers)
            .data("register_agent")
            .path("id")
            .asText();
    RawGraphql.Reply noTenant = client.post(REGISTER, Map.of("input", Map.of("type", "ECSAgent")));

    assertThat(second).isEqualTo(first);
    assertThat(server.agents())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.labels()).containsExactly("a", "b");
              assertThat(a.coreVersion()).isEqualTo("0.15.13");
            });
    assertThat(noTenant.firstError()).isEqualTo("No tenant found.");
  }

  @Test
  void flowRunQueryTakesInlineLiteralsOrAndTaskRunExists() {
    String scheduled = server.createFlowRun(flowId, List.of(), now);
    String running = server.createFlowRun(flowId, List.of(), now);
    server.setFlowRunState(running, PrefectStates.failed("x").put("type", "Running"));
    String task = server.createTaskRun(running, "Retrying", now.minusSeconds(10));
    String other = server.createFlowRun(flowId, List.of(), now);
    server.setFlowRunState(other, PrefectStates.failed("x"));
    String cutoff = PrefectStates.format(now.minusSeconds(3));
    String query =
        "query { flow_run(where: {id: {_in: [\""
            + scheduled
            + "\", \""
            + running
            + "\", \""
            + other
            + "\"]}, _or: [{state: {_eq: \"Scheduled\"}}, {state: {_eq: \"Running\"}, task_runs:"
            + " {state_start_time: {_lte: \""
            + cutoff
            + "\"}}}]}, order_by: [{state: asc}]) { id state"
            + " flow { id name } task_runs(where: {state_start_time: {_lte: \""
            + cutoff
            + "\"}}) { id } } }";

    RawGraphql.Reply reply = client.post(query, null);

    assertThat(reply.status()).isEqualTo(200);
    JsonNode rows = reply.data("flow_run");
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).path("id").asText()).isEqualTo(running);
    assertThat(rows.get(0).path("task_runs").path(0).path("id").asText()).isEqualTo(task);
    assertThat(rows.get(1).path("id").asText()).isEqualTo(scheduled);
    assertThat(rows.get(1).path("flow").path("name").asText()).isEqualTo("etl");
    assertThat(
            client
                .post("query { flow_run_by_pk(id: \"" + UNKNOWN + "\") { id } }", null)
                .body()
                .path("data")
                .path("flow_run_by_pk")
                .isNull())
        .isTrue();
  }

  @Test
  void invalidQueriesAre400AndRecorded() {
    RawGraphql.Reply reply = client.post("query { no_such_field }", null);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().has("data")).isFalse();
    assertThat(server.validationErrors()).singleElement().asString().contains("no_such_field");
  }

  @Test
  void helloHealthAndGraphqlPathWork() throws Exception {
    HttpResponse<String> health = client.get("/.well-known/apollo/server-health");
    RawGraphql.Reply hello =
        new RawGraphql(server.uri().resolve("/graphql")).post("query { hello }", null);

    assertThat(health.body()).isEqualTo("{\"status\":\"pass\"}");
    assertThat(hello.data("hello").asText()).isEqualTo("\uD83D\uDC4B");
    assertThat(server.requestCount("hello")).isEqualTo(1);
    assertThat(server.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.path()).isEqualTo("/graphql"));
  }

  private static Map<String, Object> states(String runId, JsonNode state) {
    return Map.of("input", Map.of("states", List.of(Map.of("flow_run_id", runId, "state", state))));
  }
}
