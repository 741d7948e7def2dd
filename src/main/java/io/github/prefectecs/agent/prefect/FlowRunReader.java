package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads the {@code flow_run} metadata query's rows into {@link FlowRun}s. Stateless. */
final class FlowRunReader {
  static final String QUERY =
      "query($ids: [uuid!], $cutoff: timestamptz) { flow_run(where: {id: {_in: $ids}, _or: ["
          + "{state: {_eq: \"Scheduled\"}}, {state: {_eq: \"Running\"}, task_runs: "
          + "{state_start_time: {_lte: $cutoff}}}]}) { id version state serialized_state "
          + "parameters scheduled_start_time run_config name "
          + "flow { id name environment storage version core_version project { name } } "
          + "task_runs(where: {state_start_time: {_lte: $cutoff}}) "
          + "{ id version task_id serialized_state } } }";

  /**
   * Runs left Submitted by this agent id before a time (claims a dead process of this agent left):
   * the oldest first, with the same fields as {@link #QUERY}.
   */
  static final String STRANDED =
      "query($agent: uuid, $before: timestamptz, $limit: Int) { flow_run(where: "
          + "{agent_id: {_eq: $agent}, state: {_eq: \"Submitted\"}, state_timestamp: "
          + "{_lte: $before}}, order_by: {state_timestamp: asc}, limit: $limit) "
          + "{ id version state serialized_state "
          + "parameters scheduled_start_time run_config name "
          + "flow { id name environment storage version core_version project { name } } "
          + "task_runs { id version task_id serialized_state } } }";

  private FlowRunReader() {}

  /** The runs of {@code rows}, oldest state start time first; no start time counts as now. */
  static List<FlowRun> read(JsonNode rows, Instant now) {
    if (rows == null || !rows.isArray()) {
      throw new PrefectApiException(
          Kind.MALFORMED, "flow_run: the answer has no flow_run list: " + shorten(rows));
    }
    List<FlowRun> runs = new ArrayList<>();
    for (JsonNode row : rows) {
      runs.add(run(row));
    }
    runs.sort(
        Comparator.comparing(
            (FlowRun run) -> PrefectStates.startTime(run.serializedState()).orElse(now)));
    return runs;
  }

  private static FlowRun run(JsonNode row) {
    String id = text(row, "id");
    if (id == null) {
      throw new PrefectApiException(Kind.MALFORMED, "flow_run: a row has no id: " + shorten(row));
    }
    JsonNode flowNode = row.get("flow");
    if (flowNode == null || !flowNode.isObject() || text(flowNode, "id") == null) {
      throw new PrefectApiException(
          Kind.MALFORMED, "flow_run: flow run " + id + " came back without its flow");
    }
    Flow flow =
        new Flow(
            text(flowNode, "id"),
            text(flowNode, "name") == null ? "" : text(flowNode, "name"),
            json(flowNode, "environment"),
            json(flowNode, "storage"),
            flowNode.hasNonNull("version") ? flowNode.get("version").asInt() : null,
            text(flowNode, "core_version"),
            text(flowNode.path("project"), "name"));
    List<TaskRun> taskRuns = new ArrayList<>();
    for (JsonNode task : row.path("task_runs")) {
      String taskRunId = text(task, "id");
      if (taskRunId != null) {
        taskRuns.add(
            new TaskRun(
                taskRunId,
                task.path("version").asInt(0),
                text(task, "task_id"),
                json(task, "serialized_state")));
      }
    }
    return new FlowRun(
        id,
        row.path("version").asInt(0),
        text(row, "state"),
        json(row, "serialized_state"),
        json(row, "parameters"),
        PrefectStates.parseInstant(text(row, "scheduled_start_time")).orElse(null),
        json(row, "run_config"),
        text(row, "name"),
        flow,
        taskRuns);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static JsonNode json(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private static String shorten(JsonNode node) {
    return GraphqlErrors.oneLine(String.valueOf(node));
  }
}
