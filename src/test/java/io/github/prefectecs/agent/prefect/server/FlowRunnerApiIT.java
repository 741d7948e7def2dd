package io.github.prefectecs.agent.prefect.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server rules behind what Prefect Core's flow runner and flow registration send, over the
 * wire: registration, run creation with its task runs, task run info, cancellation, Lazarus.
 */
@Timeout(30)
class FlowRunnerApiIT {
  private static final String CREATE_PROJECT =
      "mutation($input: create_project_input!) { create_project(input: $input) { id } }";
  private static final String CREATE_FLOW =
      "mutation($input: create_flow_from_compressed_string_input!) {"
          + " create_flow_from_compressed_string(input: $input) { id } }";
  private static final String REGISTER_TASKS =
      "mutation($input: register_tasks_input!) { register_tasks(input: $input) { success } }";
  private static final String REGISTER_EDGES =
      "mutation($input: register_edges_input!) { register_edges(input: $input) { success } }";
  private static final String SCHEDULE =
      "mutation($input: set_schedule_active_input!) { set_schedule_active(input: $input) {"
          + " success } }";
  private static final String CREATE_RUN =
      "mutation($input: create_flow_run_input!) { create_flow_run(input: $input) { id } }";
  private static final String TASK_RUN_INFO =
      "mutation { get_or_create_task_run_info(input: { flow_run_id: \"%s\", task_id: \"%s\","
          + " map_index: %d }) { id version serialized_state } }";
  private static final String RUN_INFO =
      "query { flow_run_by_pk(id: \"%s\") { id name labels parameters version serialized_state"
          + " task_runs(where: { map_index: { _eq: -1 } }) { id task { id slug max_retries"
          + " retry_delay trigger tags } version state serialized_state } flow { project { name"
          + " id } } } }";
  private static final String SET_TASK_STATES =
      "mutation($input: set_task_run_states_input!) { set_task_run_states(input: $input) {"
          + " states { id status message } } }";

  private PrefectServerDouble server;
  private RawGraphql client;
  private Instant now;
  private String projectId;

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    client = new RawGraphql(server.uri());
    now = Instant.parse("2021-12-01T10:00:00Z");
    server.clock().freeze(now);
    projectId =
        data(CREATE_PROJECT, input("tenant_id", server.defaultTenantId(), "name", "etl-project"))
            .path("create_project")
            .path("id")
            .asText();
  }

  @AfterEach
  void stop() {
    assertThat(server.validationErrors()).isEmpty();
    server.close();
  }

  private JsonNode data(String query, Object variables) {
    RawGraphql.Reply reply = client.post(query, variables);
    assertThat(reply.firstError()).as("error of %s", query).isNull();
    assertThat(reply.status()).isEqualTo(200);
    return reply.body().path("data");
  }

  private static Map<String, Object> input(Object... keysAndValues) {
    Map<String, Object> input = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      input.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return Map.of("input", input);
  }

  /** A flow as Core 0.15.13 serializes it for registration: tasks and edges go separately. */
  private static ObjectNode flow(String name, List<String> labels) {
    ObjectNode flow = RawGraphql.MAPPER.createObjectNode();
    flow.put("name", name);
    flow.put("__version__", "0.15.13");
    ObjectNode parameter = flow.putArray("parameters").addObject();
    parameter.put("name", "x").put("slug", "x").put("default", 1).put("required", false);
    ObjectNode runConfig = flow.putObject("run_config");
    runConfig.put("type", "UniversalRun");
    labels.forEach(runConfig.putArray("labels")::add);
    flow.putObject("storage").put("type", "Local").put("stored_as_script", true);
    return flow;
  }

  private static List<Object> tasks() {
    return List.of(
        Map.of(
            "slug",
            "extract-1",
            "name",
            "extract",
            "type",
            "prefect.tasks.core.function.FunctionTask",
            "max_retries",
            2,
            "retry_delay",
            900.0,
            "trigger",
            Map.of("fn", "prefect.triggers.all_successful", "kwargs", Map.of()),
            "tags",
            List.of("io")),
        Map.of("slug", "load-1", "name", "load", "max_retries", 0));
  }

  /** What {@code Client.register} sends, without the project lookup; returns the flow id. */
  private String register(ObjectNode flow) {
    String flowId =
        data(
                CREATE_FLOW,
                input(
                    "project_id",
                    projectId,
                    "serialized_flow",
                    compress(flow),
                    "set_schedule_active",
                    false))
            .path("create_flow_from_compressed_string")
            .path("id")
            .asText();
    data(REGISTER_TASKS, input("flow_id", flowId, "serialized_tasks", tasks()));
    Map<String, Object> edge =
        Map.of(
            "upstream_task",
            Map.of("slug", "extract-1"),
            "downstream_task",
            Map.of("slug", "load-1"));
    data(REGISTER_EDGES, input("flow_id", flowId, "serialized_edges", List.of(edge)));
    assertThat(
            data(SCHEDULE, input("flow_id", flowId))
                .path("set_schedule_active")
                .path("success")
                .asBoolean())
        .isFalse();
    return flowId;
  }

  private static String compress(JsonNode json) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(json.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  private String createRun(Object... keysAndValues) {
    return data(CREATE_RUN, input(keysAndValues)).path("create_flow_run").path("id").asText();
  }

  private JsonNode runInfo(String flowRunId) {
    return data(String.format(RUN_INFO, flowRunId), null).path("flow_run_by_pk");
  }

  @Test
  void createFlowRunCreatesOnePendingTaskRunPerTaskAndSchedulesTheRun() {
    String flowId = register(flow("etl", List.of("dev")));

    String run = createRun("flow_id", flowId);

    JsonNode info = runInfo(run);
    assertThat(info.path("version").asInt()).isEqualTo(1);
    assertThat(info.path("serialized_state").path("type").asText()).isEqualTo("Scheduled");
    assertThat(info.path("serialized_state").path("message").asText())
        .isEqualTo("Flow run scheduled.");
    assertThat(info.path("labels").toString()).isEqualTo("[\"dev\"]");
    assertThat(info.path("parameters").toString()).isEqualTo("{\"x\":1}");
    assertThat(info.path("name").asText()).matches("[a-z]+-[a-z]+");
    assertThat(info.path("flow").path("project").path("name").asText()).isEqualTo("etl-project");
    assertThat(info.path("task_runs")).hasSize(2);
    for (JsonNode taskRun : info.path("task_runs")) {
      assertThat(taskRun.path("state").asText()).isEqualTo("Pending");
      assertThat(taskRun.path("version").asInt()).isEqualTo(1);
      assertThat(taskRun.path("serialized_state").toString())
          .isEqualTo("{\"type\":\"Pending\",\"message\":\"Task run created\"}");
    }
    assertThat(info.findValues("task"))
        .extracting(
            t -> t.path("slug").asText(),
            t -> t.path("retry_delay").asText(null),
            t -> t.path("trigger").asText(null),
            t -> t.path("tags").toString())
        .containsExactlyInAnyOrder(
            tuple("extract-1", "00:15:00", "prefect.triggers.all_successful", "[\"io\"]"),
            tuple("load-1", null, null, "[]"));
  }

  @Test
  void runLabelsComeFromTheArgumentThenTheRunConfigArgumentThenTheFlow() {
    String flowId = register(flow("etl", List.of("flow-label", "b")));
    Map<String, Object> override = Map.of("type", "UniversalRun", "labels", List.of("from-config"));

    String fromArgument =
        createRun("flow_id", flowId, "labels", List.of("z", "a"), "run_config", override);
    String fromConfig = createRun("flow_id", flowId, "run_config", override);
    String fromFlow = createRun("flow_id", flowId);

    assertThat(runInfo(fromArgument).path("labels").toString()).isEqualTo("[\"a\",\"z\"]");
    assertThat(runInfo(fromConfig).path("labels").toString()).isEqualTo("[\"from-config\"]");
    assertThat(runInfo(fromFlow).path("labels").toString()).isEqualTo("[\"b\",\"flow-label\"]");
  }

  @Test
  void createFlowRunWithAKnownIdempotencyKeyReturnsTheSameRun() {
    String flowId = register(flow("etl", List.of()));

    String first = createRun("flow_id", flowId, "idempotency_key", "k1");
    String second = createRun("flow_id", flowId, "idempotency_key", "k1");

    assertThat(second).isEqualTo(first);
    assertThat(server.taskRuns(first)).hasSize(2);
  }

  @Test
  void createFlowRunRefusesMissingRequiredParameters() {
    ObjectNode flow = flow("etl", List.of());
    ((ObjectNode) flow.path("parameters").path(0)).put("required", true).putNull("default");
    String flowId = register(flow);

    RawGraphql.Reply reply = client.post(CREATE_RUN, input("flow_id", flowId));

    assertThat(reply.firstError()).isEqualTo("Required parameters were not supplied: {'x'}");
  }

  @Test
  void registeringAFlowOfTheSameNameAgainArchivesTheOldVersionAndCancelsItsScheduledRuns() {
    String v1 = register(flow("etl", List.of()));
    String scheduled = createRun("flow_id", v1);

    String v2 = register(flow("etl", List.of()));

    String query =
        "query($ids: [uuid!]) { flow(where: {id: {_in: $ids}}, order_by: [{version: asc}]) {"
            + " id version archived version_group_id } }";
    JsonNode flows = data(query, Map.of("ids", List.of(v1, v2))).path("flow");
    assertThat(flows.path(0).path("archived").asBoolean()).isTrue();
    assertThat(flows.path(1).path("version").asInt()).isEqualTo(2);
    assertThat(flows.path(1).path("archived").asBoolean()).isFalse();
    assertThat(flows.path(1).path("version_group_id"))
        .isEqualTo(flows.path(0).path("version_group_id"));
    assertThat(server.flowRunState(scheduled)).isEqualTo("Cancelled");
    assertThat(server.flowRunColumn(scheduled, "state_message"))
        .isEqualTo("Flow " + v1 + " was archived.");
    assertThat(server.taskRuns(scheduled))
        .extracting(TaskRunRecord::state)
        .containsOnly("Cancelled");
    assertThat(client.post(CREATE_RUN, input("flow_id", v1)).firstError())
        .isEqualTo("Flow " + v1 + " is archived.");
  }

  @Test
  void edgesBetweenUnknownTasksAreRefused() {
    String flowId = register(flow("etl", List.of()));
    Map<String, Object> edge =
        Map.of(
            "upstream_task", Map.of("slug", "nope-1"), "downstream_task", Map.of("slug", "load-1"));

    assertThat(
            client
                .post(REGISTER_EDGES, input("flow_id", flowId, "serialized_edges", List.of(edge)))
                .firstError())
        .isEqualTo(
            "Edges could not be registered - some edges reference tasks that do not exist within this flow.");
  }

  @Test
  void taskRunInfoReturnsTheTaskRunAndCreatesMappedChildrenOnce() {
    String flowId = register(flow("etl", List.of()));
    String run = createRun("flow_id", flowId);
    TaskRunRecord extract = server.taskRun(run, "extract");

    JsonNode parent =
        data(String.format(TASK_RUN_INFO, run, extract.taskId(), -1), null)
            .path("get_or_create_task_run_info");
    JsonNode child =
        data(String.format(TASK_RUN_INFO, run, extract.taskId(), 0), null)
            .path("get_or_create_task_run_info");
    JsonNode again =
        data(String.format(TASK_RUN_INFO, run, extract.taskId(), 0), null)
            .path("get_or_create_task_run_info");

    assertThat(parent.path("id").asText()).isEqualTo(extract.id());
    assertThat(parent.path("version").asInt()).isEqualTo(1);
    assertThat(child.path("version").asInt()).isZero();
    assertThat(child.path("serialized_state").path("type").asText()).isEqualTo("Pending");
    assertThat(again.path("id")).isEqualTo(child.path("id"));
    assertThat(again.path("version").asInt()).isEqualTo(1);
    assertThat(server.taskRuns(run)).hasSize(3);
    String unknown = String.format(TASK_RUN_INFO, run, "00000000-0000-4000-8000-000000000000", -1);
    assertThat(client.post(unknown, null).firstError()).isEqualTo("Invalid task ID");
  }

  @Test
  void cancelFlowRunCancelsAScheduledRunButMarksARunningOneCancelling() {
    String flowId = register(flow("etl", List.of()));
    String scheduled = createRun("flow_id", flowId);
    String running = createRun("flow_id", flowId);
    server.setFlowRunState(
        running, PrefectStates.scheduled("Running flow.", null).put("type", "Running"));

    assertThat(server.user().cancelFlowRun(scheduled)).isEqualTo("Cancelled");
    assertThat(server.user().cancelFlowRun(running)).isEqualTo("Cancelling");
    assertThat(server.user().cancelFlowRun(scheduled)).isEqualTo("Cancelled");

    assertThat(server.flowRunColumn(scheduled, "state_message")).isEqualTo("Flow run is cancelled");
    assertThat(server.taskRuns(scheduled))
        .extracting(TaskRunRecord::state)
        .containsOnly("Cancelled");
    assertThat(server.flowRunColumn(running, "state_message")).isEqualTo("Flow run is cancelling");
    assertThat(server.taskRuns(running)).extracting(TaskRunRecord::state).containsOnly("Pending");
  }

  @Test
  void aCancellingTaskRunStateNeedsARunningFlowRun() {
    String run = createRun("flow_id", register(flow("etl", List.of())));
    String taskRun = server.taskRun(run, "load").id();
    Map<String, Object> state = Map.of("type", "Cancelling", "message", "stop");

    RawGraphql.Reply reply =
        client.post(
            SET_TASK_STATES,
            input("states", List.of(Map.of("task_run_id", taskRun, "state", state))));

    assertThat(reply.firstError())
        .isEqualTo(
            "State update failed for task run ID "
                + taskRun
                + ": provided a running state but associated flow run "
                + run
                + " is not in a running state.");
  }

  @Test
  void approvingAPausedTaskRunWritesResumeStartingNowSoTheRunIsDueAgain() {
    String run = createRun("flow_id", register(flow("etl", List.of())));
    server.setFlowRunState(
        run, PrefectStates.scheduled("Running flow.", null).put("type", "Running"));
    TaskRunRecord load = server.taskRun(run, "load");
    ObjectNode paused = PrefectStates.scheduled("paused", null).put("type", "Paused");
    server.setTaskRunState(load.id(), paused);
    assertThat(server.user().runsInQueue(List.of())).doesNotContain(run);

    server.user().approveTaskRun(load.id());

    TaskRunRecord resumed = server.taskRun(run, "load");
    assertThat(resumed.state()).isEqualTo("Resume");
    assertThat(resumed.stateMessage()).isEqualTo("Task load approved by test-user");
    assertThat(resumed.stateStartTime()).isEqualTo(now);
    assertThat(server.user().runsInQueue(List.of())).contains(run);
  }

  @Test
  void lazarusReschedulesAStaleRunThreeTimesThenFailsIt() {
    String run = createRun("flow_id", register(flow("etl", List.of())));
    for (int attempt = 1; attempt <= 3; attempt++) {
      server.setFlowRunState(run, PrefectStates.submitted(null, "Submitted for execution"));
      server.clock().advance(Duration.ofMinutes(9));
      assertThat(server.runLazarus()).isEmpty();
      server.clock().advance(Duration.ofMinutes(1));

      assertThat(server.runLazarus()).containsExactly(run);

      assertThat(server.flowRunState(run)).isEqualTo("Scheduled");
      assertThat(server.flowRunColumn(run, "state_message"))
          .isEqualTo("Rescheduled by a Lazarus process.");
      assertThat(server.flowRunColumn(run, "state_start_time")).isEqualTo(server.clock().instant());
      assertThat(server.flowRunColumn(run, "times_resurrected")).isEqualTo(attempt);
    }
    server.setFlowRunState(run, PrefectStates.submitted(null, "Submitted for execution"));
    server.clock().advance(Duration.ofMinutes(10));

    assertThat(server.runLazarus()).containsExactly(run);

    String failed =
        "A Lazarus process attempted to reschedule this run 3 times without success. Marking as failed.";
    assertThat(server.flowRunState(run)).isEqualTo("Failed");
    assertThat(server.logs(run))
        .extracting(LogRecord::name, LogRecord::level, LogRecord::message)
        .containsExactly(
            tuple(
                "prefect-server.Lazarus.FlowRun",
                "INFO",
                "Rescheduled by a Lazarus process. This is attempt 1."),
            tuple(
                "prefect-server.Lazarus.FlowRun",
                "INFO",
                "Rescheduled by a Lazarus process. This is attempt 2."),
            tuple(
                "prefect-server.Lazarus.FlowRun",
                "INFO",
                "Rescheduled by a Lazarus process. This is attempt 3."),
            tuple("prefect-server.Lazarus.FlowRun", "ERROR", failed));
  }

  @Test
  void lazarusLeavesARunWithARunningTaskRunToTheFlowRunner() {
    String run = createRun("flow_id", register(flow("etl", List.of())));
    server.setFlowRunState(
        run, PrefectStates.scheduled("Running flow.", null).put("type", "Running"));
    server.setTaskRunState(
        server.taskRun(run, "extract").id(),
        PrefectStates.scheduled("x", null).put("type", "Running"));
    server.clock().advance(Duration.ofMinutes(30));

    assertThat(server.runLazarus()).isEmpty();
    server.lazarusReschedule(run);
    assertThat(server.flowRunState(run)).isEqualTo("Scheduled");
  }

  @Test
  void hasuraFiltersFollowTheTaskAndProjectRelationships() {
    String flowId = register(flow("etl", List.of()));
    String run = createRun("flow_id", flowId);

    JsonNode data =
        data(
            "query($run: uuid!) { task_run(where: {flow_run_id: {_eq: $run}, task: {slug: {_eq:"
                + " \"load-1\"}}}) { id } flow(where: {project: {name: {_eq: \"etl-project\"}}})"
                + " { id } }",
            Map.of("run", run));

    assertThat(data.path("task_run").findValuesAsText("id"))
        .containsExactly(server.taskRun(run, "load").id());
    assertThat(data.path("flow").findValuesAsText("id")).containsExactly(flowId);
  }

  @Test
  void aProjectNameIsUniqueAndFoundByName() {
    RawGraphql.Reply again =
        client.post(
            CREATE_PROJECT, input("tenant_id", server.defaultTenantId(), "name", "etl-project"));

    assertThat(again.firstError()).isEqualTo("Uniqueness violation.");
    JsonNode found =
        data("query { project(where: { name: { _eq: \"etl-project\" } }) { id } }", null);
    assertThat(found.path("project").findValuesAsText("id")).containsExactly(projectId);
  }
}
