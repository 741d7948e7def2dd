package io.github.prefectecs.agent.prefect.server;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request the double received.
 *
 * @param method HTTP method
 * @param path request path
 * @param headers headers, names lower-cased
 * @param body the raw body
 * @param rootFields names (not aliases) of the root fields of the GraphQL documents in the body
 * @param receivedAt when the double received it (wall clock, for start-up timings)
 */
public record RecordedRequest(
    String method,
    String path,
    Map<String, List<String>> headers,
    String body,
    List<String> rootFields,
    Instant receivedAt) {
  public RecordedRequest {
    headers = Map.copyOf(headers);
    rootFields = List.copyOf(rootFields);
  }

  /** A request received now. */
  public RecordedRequest(
      String method,
      String path,
      Map<String, List<String>> headers,
      String body,
      List<String> rootFields) {
    this(method, path, headers, body, rootFields, Instant.now());
  }

  /** The first value of header {@code name} (any case), or null. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
