package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.support.JsonTrees;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request carrying one aliased copy of a mutation per item ({@code a0: field(input: $i0)
 * {...} a1: ...}), so that one item's GraphQL error (its {@code path} names the alias) fails only
 * that item.
 */
final class AliasedMutation {
  private AliasedMutation() {}

  /**
   * Sends {@code inputs} and returns one result per input, in order.
   *
   * @param field the mutation root field, e.g. {@code set_flow_run_states}
   * @param inputType its input type, e.g. {@code set_flow_run_states_input}
   * @param selection the selection set, e.g. {@code { states { id status message } }}
   * @param runIds the run id each input is about (for the results)
   */
  static List<UpdateResult> send(
      GraphqlTransport transport,
      String field,
      String inputType,
      String selection,
      List<ObjectNode> inputs,
      List<String> runIds) {
    return send(transport, field, inputType, selection, inputs, runIds, false);
  }

  /** As above; with {@code notTwice}, a request that may have reached the server is not re-sent. */
  static List<UpdateResult> send(
      GraphqlTransport transport,
      String field,
      String inputType,
      String selection,
      List<ObjectNode> inputs,
      List<String> runIds,
      boolean notTwice) {
    if (inputs.isEmpty()) {
      return List.of();
    }
    StringBuilder params = new StringBuilder();
    StringBuilder body = new StringBuilder();
    ObjectNode variables = JsonTrees.object();
    for (int i = 0; i < inputs.size(); i++) {
      params
          .append(i == 0 ? "" : ", ")
          .append("$i")
          .append(i)
          .append(": ")
          .append(inputType)
          .append('!');
      body.append(" a")
          .append(i)
          .append(": ")
          .append(field)
          .append("(input: $i")
          .append(i)
          .append(") ")
          .append(selection);
      variables.set("i" + i, inputs.get(i));
    }
    String query = "mutation(" + params + ") {" + body + " }";
    JsonNode root = transport.post(field, query, variables, notTwice);
    return results(field, root, runIds);
  }

  private static List<UpdateResult> results(String field, JsonNode root, List<String> runIds) {
    Map<String, List<JsonNode>> errorsByAlias = new HashMap<>();
    List<JsonNode> unattributed = new ArrayList<>();
    for (JsonNode error : root.path("errors")) {
      JsonNode path = error.path("path");
      if (path.isArray() && !path.isEmpty() && path.get(0).asText().matches("a\\d+")) {
        errorsByAlias.computeIfAbsent(path.get(0).asText(), k -> new ArrayList<>()).add(error);
      } else {
        unattributed.add(error);
      }
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw GraphqlErrors.classify(
          field, unattributed.isEmpty() ? GraphqlErrors.list(root.path("errors")) : unattributed);
    }
    List<UpdateResult> results = new ArrayList<>();
    for (int i = 0; i < runIds.size(); i++) {
      String alias = "a" + i;
      List<JsonNode> errors = errorsByAlias.get(alias);
      JsonNode value = data.get(alias);
      if (errors != null) {
        results.add(new UpdateResult(runIds.get(i), GraphqlErrors.classify(field, errors)));
      } else if (value == null || value.isNull()) {
        List<JsonNode> why = unattributed;
        results.add(
            new UpdateResult(
                runIds.get(i),
                why.isEmpty()
                    ? new PrefectApiException(
                        PrefectApiException.Kind.MALFORMED,
                        field + ": no result for run " + runIds.get(i))
                    : GraphqlErrors.classify(field, why)));
      } else if (value.has("success") && !value.path("success").asBoolean(false)) {
        results.add(
            new UpdateResult(
                runIds.get(i),
                new PrefectApiException(
                    PrefectApiException.Kind.GRAPHQL,
                    field + ": writing logs failed for flow run " + runIds.get(i))));
      } else {
        results.add(UpdateResult.ok(runIds.get(i)));
      }
    }
    return results;
  }
}
