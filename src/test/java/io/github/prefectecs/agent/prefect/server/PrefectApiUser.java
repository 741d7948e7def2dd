package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A person using the double's API over HTTP: the requests Prefect Core's {@code Client} and the
 * Prefect UI send to schedule, approve, cancel and restart runs, and the agent's queue poll. Every
 * call goes through the double's validation and counts in its request figures. Thread-safe.
 *
 * <p>Each method throws {@link IllegalStateException} with the server's message when the API
 * answers with errors.
 */
public final class PrefectApiUser {
  /** The UI writes the user's name into messages; Prefect Server has no users. */
  static final String USER = "test-user";

  private static final String CREATE_FLOW_RUN =
      "mutation($input: create_flow_run_input!) { create_flow_run(input: $input) { id } }";
  private static final String SET_TASK_RUN_STATES =
      "mutation($input: set_task_run_states_input!) { set_task_run_states(input: $input) {"
          + " states { id } } }";
  private static final String SET_FLOW_RUN_STATES =
      "mutation($input: set_flow_run_states_input!) { set_flow_run_states(input: $input) {"
          + " states { id } } }";
  private static final String CANCEL =
      "mutation($input: cancel_flow_run_input!) { cancel_flow_run(input: $input) { state } }";
  private static final String QUEUE =
      "mutation($input: get_runs_in_queue_input!) { get_runs_in_queue(input: $input) {"
          + " flow_run_ids } }";
  private static final String TASK_RUNS =
      "query($id: uuid!) { task_run(where: {flow_run_id: {_eq: $id}}) { id version state"
          + " task { name } } flow_run_by_pk(id: $id) { version state } }";

  private final RawGraphql http;
  private final String tenantId;

  PrefectApiUser(URI uri, String tenantId) {
    this.http = new RawGraphql(uri);
    this.tenantId = tenantId;
  }

  /** Posts {@code query} with {@code variables} (may be null) and returns the {@code data}. */
  public JsonNode post(String query, Object variables) {
    RawGraphql.Reply reply = http.post(query, variables);
    if (reply.status() != 200 || reply.body().path("errors").size() > 0) {
      throw new IllegalStateException(
          "HTTP " + reply.status() + ": " + reply.body().path("errors").toString());
    }
    return reply.body().path("data");
  }

  /**
   * What {@code Client.create_flow_run(flow_id, parameters=...)} sends: a run of the flow, now,
   * with the server's labels and run config; returns its id.
   */
  public String createFlowRun(String flowId, Map<String, ?> parameters) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("flow_id", flowId);
    if (parameters != null) {
      input.put("parameters", parameters);
    }
    return post(CREATE_FLOW_RUN, Map.of("input", input))
        .path("create_flow_run")
        .path("id")
        .asText();
  }

  /**
   * The UI's Approve button on a Paused task run: {@code Resume("Task <name> approved by <user>")},
   * which the server starts now.
   */
  public void approveTaskRun(String taskRunId) {
    JsonNode rows =
        post(
                "query($id: uuid!) { task_run_by_pk(id: $id) { version task { name } } }",
                Map.of("id", taskRunId))
            .path("task_run_by_pk");
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("type", "Resume");
    state.put(
        "message", "Task " + rows.path("task").path("name").asText() + " approved by " + USER);
    post(
        SET_TASK_RUN_STATES,
        Map.of(
            "input",
            Map.of(
                "states",
                List.of(
                    Map.of(
                        "task_run_id",
                        taskRunId,
                        "version",
                        rows.path("version").asInt(),
                        "state",
                        state)))));
  }

  /** The UI's Cancel button: {@code cancel_flow_run}; returns the run's state name after it. */
  public String cancelFlowRun(String flowRunId) {
    return post(CANCEL, Map.of("input", Map.of("flow_run_id", flowRunId)))
        .path("cancel_flow_run")
        .path("state")
        .asText();
  }

  /**
   * A restart as {@code prefect-flow-runner-0.15.md} describes it: every task run not finished
   * successfully (not Success, Cached, Mapped or Skipped) back to Pending, then the flow run to
   * Scheduled (start time now), both with the message "test-user restarted this flow run". The UI's
   * own Restart resets only Failed, Cancelled, TimedOut and TriggerFailed task runs and their
   * downstream tasks, and only when there are such task runs or the run is Failed or Cancelled.
   */
  public void restartFlowRun(String flowRunId) {
    String message = USER + " restarted this flow run";
    JsonNode data = post(TASK_RUNS, Map.of("id", flowRunId));
    List<Map<String, Object>> states = new ArrayList<>();
    for (JsonNode taskRun : data.path("task_run")) {
      if (!List.of("Success", "Cached", "Mapped", "Skipped")
          .contains(taskRun.path("state").asText())) {
        states.add(
            Map.of(
                "task_run_id",
                taskRun.path("id").asText(),
                "version",
                taskRun.path("version").asInt(),
                "state",
                Map.of("type", "Pending", "message", message)));
      }
    }
    if (!states.isEmpty()) {
      post(SET_TASK_RUN_STATES, Map.of("input", Map.of("states", states)));
    }
    post(
        SET_FLOW_RUN_STATES,
        Map.of(
            "input",
            Map.of(
                "states",
                List.of(
                    Map.of(
                        "flow_run_id",
                        flowRunId,
                        "version",
                        data.path("flow_run_by_pk").path("version").asInt(),
                        "state",
                        Map.of("type", "Scheduled", "message", message))))));
  }

  /** The agent's poll: {@code get_runs_in_queue} for these labels, before now. */
  public List<String> runsInQueue(List<String> labels) {
    ArrayNode ids =
        (ArrayNode)
            post(QUEUE, Map.of("input", Map.of("tenant_id", tenantId, "labels", labels)))
                .path("get_runs_in_queue")
                .path("flow_run_ids");
    List<String> result = new ArrayList<>();
    ids.forEach(id -> result.add(id.asText()));
    return result;
  }
}
