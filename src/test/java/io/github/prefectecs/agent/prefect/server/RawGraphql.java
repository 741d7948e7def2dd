package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** Posts raw GraphQL to the double, for tests that check the server's own behaviour. */
final class RawGraphql {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI uri;

  /** An HTTP answer: status and parsed body. */
  record Reply(int status, JsonNode body) {
    JsonNode data(String field) {
      return body.path("data").path(field);
    }

    String firstError() {
      return body.path("errors").path(0).path("message").asText(null);
    }
  }

  RawGraphql(URI uri) {
    this.uri = uri;
  }

  Reply post(String query, Object variables) {
    return post(query, variables, Map.of());
  }

  Reply post(String query, Object variables, Map<String, String> headers) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("query", query);
    body.set("variables", variables == null ? null : MAPPER.valueToTree(variables));
    return postBody(body.toString(), headers);
  }

  Reply postBody(String body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), MAPPER.readTree(response.body()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
