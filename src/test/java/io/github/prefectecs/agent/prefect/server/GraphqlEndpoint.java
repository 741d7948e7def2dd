package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.OperationDefinition;
import graphql.parser.Parser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Apollo gateway's HTTP conventions: a JSON body (or a batch array) with {@code query} and
 * {@code variables} as an object or a JSON string; 400 with {@code errors} and no {@code data} for
 * parse, validation and variable errors; 200 otherwise. Thread-safe.
 */
final class GraphqlEndpoint {
  /** An HTTP answer. */
  record Answer(int status, String body) {}

  private final GraphQL graphql;
  private final List<String> validationErrors = new CopyOnWriteArrayList<>();

  GraphqlEndpoint(GraphQL graphql) {
    this.graphql = graphql;
  }

  List<String> validationErrors() {
    return List.copyOf(validationErrors);
  }

  void clearValidationErrors() {
    validationErrors.clear();
  }

  Answer execute(String body, Map<String, String> headers) {
    JsonNode request;
    try {
      request = ServerStore.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      return badRequest("POST body sent invalid JSON.");
    }
    if (request != null && request.isArray()) {
      List<Object> results = new ArrayList<>();
      int status = 200;
      for (JsonNode one : request) {
        Map<String, Object> result = executeOne(one, headers);
        status = result.containsKey("data") ? status : 400;
        results.add(result);
      }
      return new Answer(status, write(results));
    }
    Map<String, Object> result = executeOne(request, headers);
    return new Answer(result.containsKey("data") ? 200 : 400, write(result));
  }

  private Map<String, Object> executeOne(JsonNode request, Map<String, String> headers) {
    if (request == null || !request.isObject() || !request.path("query").isTextual()) {
      return error("POST body missing, invalid Content-Type, or JSON object has no keys.");
    }
    Map<String, Object> variables;
    try {
      variables = variables(request.get("variables"));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return error("Variables are invalid JSON.");
    }
    ExecutionInput input =
        ExecutionInput.newExecutionInput()
            .query(request.get("query").asText())
            .operationName(
                request.hasNonNull("operationName") ? request.get("operationName").asText() : null)
            .variables(variables)
            .graphQLContext(Map.of("headers", headers))
            .build();
    ExecutionResult result = graphql.execute(input);
    Map<String, Object> spec = new LinkedHashMap<>(result.toSpecification());
    if (!result.isDataPresent()) {
      spec.remove("data");
      for (GraphQLError error : result.getErrors()) {
        validationErrors.add(
            error.getErrorType()
                + ": "
                + error.getMessage()
                + " in "
                + request.get("query").asText());
      }
      addCodes(spec, "GRAPHQL_VALIDATION_FAILED");
    }
    return spec;
  }

  @SuppressWarnings("unchecked")
  private static void addCodes(Map<String, Object> spec, String code) {
    Object errors = spec.get("errors");
    if (errors instanceof List<?> list) {
      List<Object> withCodes = new ArrayList<>();
      for (Object error : list) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) error);
        Map<String, Object> extensions = new LinkedHashMap<>();
        if (copy.get("extensions") instanceof Map<?, ?> existing) {
          extensions.putAll((Map<String, Object>) existing);
        }
        extensions.putIfAbsent("code", code);
        copy.put("extensions", extensions);
        withCodes.add(copy);
      }
      spec.put("errors", withCodes);
    }
  }

  private static Map<String, Object> variables(JsonNode node) throws JsonProcessingException {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    JsonNode object = node.isTextual() ? ServerStore.MAPPER.readTree(node.asText()) : node;
    if (object == null || object.isNull()) {
      return Map.of();
    }
    if (!object.isObject()) {
      throw new IllegalArgumentException("variables must be an object");
    }
    return ServerStore.MAPPER.convertValue(object, new TypeReference<Map<String, Object>>() {});
  }

  private Map<String, Object> error(String message) {
    validationErrors.add(message);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put(
        "errors", List.of(Map.of("message", message, "extensions", Map.of("code", "BAD_REQUEST"))));
    return spec;
  }

  private Answer badRequest(String message) {
    return new Answer(400, write(error(message)));
  }

  private static String write(Object value) {
    try {
      return ServerStore.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a GraphQL answer", e);
    }
  }

  /** Root field names (not aliases) of every operation in the body's document(s). */
  static List<String> rootFields(String body) {
    List<String> names = new ArrayList<>();
    try {
      JsonNode request = ServerStore.MAPPER.readTree(body);
      List<JsonNode> requests = new ArrayList<>();
      if (request != null && request.isArray()) {
        request.forEach(requests::add);
      } else if (request != null) {
        requests.add(request);
      }
      for (JsonNode one : requests) {
        Document document = Parser.parse(one.path("query").asText(""));
        for (OperationDefinition operation :
            document.getDefinitionsOfType(OperationDefinition.class)) {
          operation
              .getSelectionSet()
              .getSelectionsOfType(Field.class)
              .forEach(f -> names.add(f.getName()));
        }
      }
    } catch (JsonProcessingException | RuntimeException e) {
      return List.of();
    }
    return names;
  }
}
