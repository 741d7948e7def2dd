package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import java.util.ArrayList;
import java.util.List;

/** Turns GraphQL {@code errors} entries into typed {@link PrefectApiException}s. Stateless. */
final class GraphqlErrors {
  private GraphqlErrors() {}

  /** Whether any entry's text mentions Cloud's retryable {@code API_ERROR}. */
  static boolean isApiError(JsonNode errors) {
    return errors != null && errors.toString().contains("API_ERROR");
  }

  /** One exception for {@code errors} (a non-empty list) raised by {@code operation}. */
  static PrefectApiException classify(String operation, List<JsonNode> errors) {
    List<String> messages = new ArrayList<>();
    boolean unauthenticated = false;
    boolean versionLock = false;
    for (JsonNode error : errors) {
      String message = oneLine(error.path("message").asText(error.toString()));
      messages.add(message);
      String code = error.path("extensions").path("code").asText("");
      unauthenticated |=
          message.contains("UNAUTHENTICATED")
              || message.contains("Malformed Authorization header")
              || code.equals("UNAUTHENTICATED");
      versionLock |= code.equals("VERSION_LOCKING_ERROR");
    }
    String joined = String.join("; ", messages);
    if (unauthenticated) {
      return new PrefectApiException(
          Kind.UNAUTHENTICATED,
          operation
              + ": the Prefect API rejected the credentials ("
              + joined
              + "); check cloud.api_key");
    }
    if (joined.contains("State update failed")) {
      return new PrefectApiException(Kind.ALREADY_SUBMITTED, operation + ": " + joined);
    }
    if (versionLock) {
      return new PrefectApiException(
          Kind.VERSION_LOCK, operation + ": version lock mismatch: " + joined);
    }
    return new PrefectApiException(Kind.GRAPHQL, operation + " failed: " + joined);
  }

  /** The elements of a JSON array. */
  static List<JsonNode> list(JsonNode array) {
    List<JsonNode> list = new ArrayList<>();
    if (array != null) {
      array.forEach(list::add);
    }
    return list;
  }

  /** {@code text} on one line, shortened to a sane length. */
  static String oneLine(String text) {
    String flat = text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    return flat.length() > 500 ? flat.substring(0, 500) + "..." : flat;
  }
}
