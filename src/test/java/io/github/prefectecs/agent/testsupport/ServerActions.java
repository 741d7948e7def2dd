package io.github.prefectecs.agent.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the Prefect server's own services, its UI and flow processes do to runs, sent over the
 * server's GraphQL API as they send it: a task run's state (a retry, a pause, a resume), a flow
 * run's state, and a Lazarus reschedule. For tests that play those parts against the project's
 * Prefect Server double (or any server).
 */
public final class ServerActions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI api;

  public ServerActions(URI api) {
    this.api = api;
  }

  /** A task run of a flow run as the API returns it. */
  public record TaskRunRow(String id, String state, Instant stateStartTime, String message) {}

  /** {@code set_task_run_states} for one task run. */
  public void setTaskRunState(String taskRunId, JsonNode state) {
    ObjectNode item = JSON.createObjectNode().put("task_run_id", taskRunId);
    item.set("state", state);
    mutation("set_task_run_states", "set_task_run_states_input", item);
  }

  /** {@code set_flow_run_states} for one flow run (without an agent id). */
  public void setFlowRunState(String flowRunId, JsonNode state) {
    ObjectNode item = JSON.createObjectNode().put("flow_run_id", flowRunId);
    item.set("state", state);
    mutation("set_flow_run_states", "set_flow_run_states_input", item);
  }

  /**
   * What Prefect Server's Lazarus does to a Submitted or Running run whose heartbeat is stale:
   * {@code Scheduled("Rescheduled by a Lazarus process.")} starting now, and its INFO run log.
   */
  public void lazarusReschedule(String flowRunId, int attempt) {
    setFlowRunState(
        flowRunId, PrefectStates.scheduled("Rescheduled by a Lazarus process.", Instant.now()));
    ObjectNode log =
        JSON.createObjectNode()
            .put("flow_run_id", flowRunId)
            .put("name", "prefect-server.Lazarus.FlowRun")
            .put("level", "INFO")
            .put("message", "Rescheduled by a Lazarus process. This is attempt " + attempt + ".")
            .put("timestamp", PrefectStates.format(Instant.now()));
    ObjectNode input = JSON.createObjectNode();
    input.putArray("logs").add(log);
    postInput(
        "mutation($input: write_run_logs_input!) { write_run_logs(input: $input) { success } }",
        input);
  }

  /** The task runs of {@code flowRunId}. */
  public List<TaskRunRow> taskRuns(String flowRunId) {
    ObjectNode variables = JSON.createObjectNode().put("id", flowRunId);
    JsonNode rows =
        send(
                "query($id: uuid) { task_run(where: {flow_run_id: {_eq: $id}}) "
                    + "{ id state state_start_time state_message } }",
                variables)
            .path("data")
            .path("task_run");
    List<TaskRunRow> result = new ArrayList<>();
    for (JsonNode row : rows) {
      result.add(
          new TaskRunRow(
              row.path("id").asText(),
              row.path("state").asText(null),
              PrefectStates.parseInstant(row.path("state_start_time").asText(null)).orElse(null),
              row.path("state_message").asText(null)));
    }
    return result;
  }

  private void mutation(String field, String inputType, ObjectNode item) {
    ObjectNode input = JSON.createObjectNode();
    ArrayNode states = input.putArray("states");
    states.add(item);
    postInput(
        "mutation($input: " + inputType + "!) { " + field + "(input: $input) { states { id } } }",
        input);
  }

  private JsonNode postInput(String query, ObjectNode input) {
    ObjectNode variables = JSON.createObjectNode();
    variables.set("input", input);
    return send(query, variables);
  }

  private JsonNode send(String query, ObjectNode variables) {
    ObjectNode body = JSON.createObjectNode().put("query", query);
    body.set("variables", variables);
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(api)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode reply = JSON.readTree(response.body());
      if (response.statusCode() != 200 || reply.path("errors").size() > 0) {
        throw new IllegalStateException(
            "the Prefect API refused " + query + ": " + response.statusCode() + " " + reply);
      }
      return reply;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
