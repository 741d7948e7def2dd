package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * JSON 1.1 requests to moto: forwarded as they came (the front's callers) or made by the front
 * itself (DescribeTaskDefinition, GetSecretValue, GetParameter). moto checks no signature, and
 * picks the service from the credential scope of the {@code Authorization} header. Thread-safe.
 */
final class MotoWire {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "host",
          "content-length",
          "connection",
          "expect",
          "transfer-encoding",
          "upgrade",
          "date",
          "from",
          "via",
          "warning");
  private final URI moto;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  MotoWire(URI moto) {
    this.moto = moto;
  }

  /** moto's answer to a request. */
  record Answer(int status, String contentType, byte[] body) {}

  /** A failed call of the front's own. */
  static final class CallException extends Exception {
    final String type;

    CallException(String type, String message) {
      super(type + ": " + message);
      this.type = type;
    }
  }

  /** Sends a request as the caller sent it (minus hop-by-hop headers) and returns moto's answer. */
  Answer forward(String path, Map<String, List<String>> headers, byte[] body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(moto.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(
        (name, values) -> {
          if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            values.forEach(v -> request.header(name, v));
          }
        });
    return send(request.build());
  }

  /**
   * A call of the front's own, e.g. {@code call("secretsmanager", "secretsmanager.GetSecretValue",
   * body)}.
   *
   * @throws CallException with the AWS error type when moto answers an error
   */
  JsonNode call(String service, String target, JsonNode body) throws CallException {
    HttpRequest request =
        HttpRequest.newBuilder(moto.resolve("/"))
            .timeout(Duration.ofSeconds(30))
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/"
                    + service
                    + "/aws4_request, SignedHeaders=host, Signature=0")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    Answer answer = send(request);
    JsonNode tree;
    try {
      tree = JSON.readTree(answer.body());
    } catch (IOException e) {
      throw new CallException("InternalFailure", "moto answered " + answer.status());
    }
    if (answer.status() / 100 != 2) {
      String type = tree.path("__type").asText("Error");
      throw new CallException(
          type.substring(type.indexOf('#') + 1),
          tree.path("message").asText(tree.path("Message").asText("")));
    }
    return tree;
  }

  private Answer send(HttpRequest request) {
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse("application/x-amz-json-1.1"),
          response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("moto at " + moto + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling moto", e);
    }
  }
}
