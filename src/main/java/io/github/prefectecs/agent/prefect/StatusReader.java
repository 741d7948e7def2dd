package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.JsonTrees;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code flow_run} status queries of {@link PrefectApi#flowRunStatuses}: their text, their
 * variables, and their rows read into {@link FlowRunStatus}es and {@link TaskRun}s. Stateless.
 */
final class StatusReader {
  static final String FIELDS = "id state version agent_id serialized_state name flow { name }";

  /**
   * Live runs and settling runs in one request (two aliases); settling runs come with every task
   * run, finished ones dropped when read: the plainest relationship read, which any Hasura-like
   * server answers (these runs just stopped, so this is once per run).
   */
  static final String SETTLING =
      "query($ids: [uuid!], $settling: [uuid!]) { "
          + "live: flow_run(where: {id: {_in: $ids}}) { "
          + FIELDS
          + " } settling: flow_run(where: {id: {_in: $settling}}) { "
          + FIELDS
          + " task_runs { id version task_id serialized_state } } }";

  private StatusReader() {}

  static ObjectNode settlingVariables(Collection<String> ids, Collection<String> withTaskRuns) {
    Set<String> settling = new LinkedHashSet<>(withTaskRuns);
    Set<String> plain = new LinkedHashSet<>(ids);
    plain.removeAll(settling);
    ObjectNode variables = JsonTrees.object();
    plain.forEach(variables.putArray("ids")::add);
    settling.forEach(variables.putArray("settling")::add);
    return variables;
  }

  static List<FlowRunStatus> readSettling(JsonNode data) {
    List<FlowRunStatus> result = new ArrayList<>();
    for (String alias : List.of("live", "settling")) {
      for (JsonNode row : data.path(alias)) {
        if (!row.path("id").isTextual()) {
          throw new PrefectApiException(Kind.MALFORMED, "flow_run row without an id: " + row);
        }
        List<TaskRun> taskRuns = new ArrayList<>();
        for (JsonNode task : row.path("task_runs")) {
          TaskRun taskRun = task.path("id").isTextual() ? taskRun(task) : null;
          if (taskRun != null && !PrefectStates.isFinished(taskRun.stateType())) {
            taskRuns.add(taskRun);
          }
        }
        result.add(status(row).withOpenTaskRuns(taskRuns));
      }
    }
    return List.copyOf(result);
  }

  static FlowRunStatus status(JsonNode row) {
    return new FlowRunStatus(
        row.path("id").asText(),
        text(row, "state"),
        row.path("version").asInt(),
        text(row, "agent_id"),
        row.path("serialized_state").isObject() ? row.get("serialized_state") : null,
        text(row, "name"),
        text(row.path("flow"), "name"));
  }

  static TaskRun taskRun(JsonNode row) {
    return new TaskRun(
        row.path("id").asText(),
        row.path("version").asInt(),
        text(row, "task_id"),
        row.path("serialized_state").isObject() ? row.get("serialized_state") : null);
  }

  private static String text(JsonNode node, String field) {
    return node.path(field).isTextual() ? node.path(field).asText() : null;
  }
}
