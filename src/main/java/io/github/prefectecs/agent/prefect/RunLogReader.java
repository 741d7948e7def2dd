package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.JsonTrees;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code log} table queries of {@link PrefectApi#latestRunLogs} and {@link PrefectApi#runLogs}:
 * their text, their variables, and their rows read into {@link RunLogRow}s. Stateless.
 */
final class RunLogReader {
  private static final String FIELDS = "id flow_run_id timestamp level info";

  /** The newest matching row of each run. */
  static final String LATEST =
      "query($where: log_bool_exp) { log(where: $where, distinct_on: [flow_run_id],"
          + " order_by: [{flow_run_id: asc}, {timestamp: desc}]) { "
          + FIELDS
          + " } }";

  /** Matching rows, oldest first, a page of them. */
  static final String SINCE =
      "query($where: log_bool_exp, $offset: Int, $limit: Int) { log(where: $where,"
          + " order_by: [{timestamp: asc}, {id: asc}], offset: $offset, limit: $limit) { "
          + FIELDS
          + " } }";

  private RunLogReader() {}

  static ObjectNode latestVariables(String loggerName, List<RunLogMatch> matches) {
    Set<String> runs = new HashSet<>();
    for (RunLogMatch match : matches) {
      if (!runs.add(match.flowRunId())) {
        throw new IllegalArgumentException(
            "latestRunLogs takes one match per flow run; " + match.flowRunId() + " came twice");
      }
    }
    ObjectNode variables = JsonTrees.object();
    variables.set("where", where(loggerName, matches));
    return variables;
  }

  static ObjectNode sinceVariables(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    ObjectNode variables = JsonTrees.object();
    variables.set("where", where(loggerName, matches));
    variables.put("offset", offset);
    variables.put("limit", limit);
    return variables;
  }

  /** {@code {name: {_eq}, _or: [{flow_run_id: {_eq}, info: {_contains}, timestamp: {_gte}}]}}. */
  private static ObjectNode where(String loggerName, List<RunLogMatch> matches) {
    ObjectNode where = JsonTrees.object();
    where.putObject("name").put("_eq", loggerName);
    ArrayNode any = where.putArray("_or");
    for (RunLogMatch match : matches) {
      ObjectNode one = any.addObject();
      one.putObject("flow_run_id").put("_eq", match.flowRunId());
      one.putObject("info").set("_contains", match.infoContains());
      if (match.since() != null) {
        one.putObject("timestamp").put("_gte", PrefectStates.format(match.since()));
      }
    }
    return where;
  }

  static List<RunLogRow> read(JsonNode rows) {
    if (rows == null || !rows.isArray()) {
      throw new PrefectApiException(Kind.MALFORMED, "log: the answer has no log list");
    }
    List<RunLogRow> result = new ArrayList<>();
    for (JsonNode row : rows) {
      String id = text(row, "id");
      String run = text(row, "flow_run_id");
      Instant at = PrefectStates.parseInstant(text(row, "timestamp")).orElse(null);
      if (id == null || run == null || at == null) {
        throw new PrefectApiException(
            Kind.MALFORMED, "log row without an id, flow run or timestamp: " + row);
      }
      JsonNode info = row.get("info");
      result.add(
          new RunLogRow(
              id, run, at, text(row, "level"), info == null || info.isNull() ? null : info));
    }
    return List.copyOf(result);
  }

  private static String text(JsonNode node, String field) {
    return node.path(field).isTextual() ? node.path(field).asText() : null;
  }
}
