package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.S3ObjectReader;
import io.github.prefectecs.agent.support.HttpStatuses;
import io.github.prefectecs.agent.support.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads a YAML or JSON object (task definition template, RunTask arguments) from a local path,
 * {@code file://}, {@code http(s)://} or {@code s3://} location.
 *
 * <p>Thread-safe. Every failure is an {@link EcsLaunchException} naming the location and the
 * problem: retryable when a remote location (S3, HTTP) failed in a way that may pass (5xx, 429,
 * 408, S3 {@code SlowDown}, a timeout or a reset connection), not retryable otherwise.
 */
final class DocumentLoader {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final S3ObjectReader s3;
  // Built on the first http(s):// document: the JDK's HTTP client starts a selector thread and
  // loads ~60 classes, which an agent without remote documents never needs.
  private volatile HttpClient http;

  DocumentLoader(S3ObjectReader s3) {
    this.s3 = s3;
  }

  private HttpClient http() {
    HttpClient client = http;
    if (client == null) {
      synchronized (this) {
        client = http;
        if (client == null) {
          client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
          http = client;
        }
      }
    }
    return client;
  }

  /** The object at {@code location}; {@code what} names the setting for messages. */
  ObjectNode load(String what, String location) {
    byte[] bytes = read(what, location);
    JsonNode node;
    try {
      node = Json.readYamlOrJson(bytes);
    } catch (IOException e) {
      throw EcsLaunchException.rejected(
          what
              + " "
              + location
              + " is not valid YAML or JSON: "
              + Messages.firstLine(e.getMessage()));
    }
    if (!(node instanceof ObjectNode object)) {
      throw EcsLaunchException.rejected(
          what + " " + location + " must hold a YAML/JSON object (a mapping of keys)");
    }
    return object;
  }

  private byte[] read(String what, String location) {
    try {
      if (location.startsWith("s3://")
          || location.startsWith("http://")
          || location.startsWith("https://")) {
        return readRemote(what, location);
      }
      Path path;
      if (location.startsWith("file://")) {
        path = Path.of(URI.create(location));
      } else if (location.startsWith("agent://") || location.startsWith("local://")) {
        // The reference's spellings for "a file on the agent's machine".
        path = Path.of(location.substring(location.indexOf("://") + 3));
      } else {
        path = Path.of(location);
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw EcsLaunchException.rejected(what + " " + location + ": file not found");
    } catch (IOException | IllegalArgumentException e) {
      throw EcsLaunchException.rejected(
          what + " " + location + " cannot be read: " + Messages.firstLine(e.toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EcsLaunchException.retryable(what + " " + location + ": interrupted", e);
    }
  }

  private byte[] readRemote(String what, String location) throws InterruptedException {
    try {
      if (location.startsWith("s3://")) {
        try {
          return s3.read(what, location);
        } catch (S3ObjectReader.S3ReadException e) {
          throw e.retryable()
              ? EcsLaunchException.retryable(e.getMessage(), null)
              : EcsLaunchException.rejected(e.getMessage());
        }
      }
      return httpGet(what, location);
    } catch (IOException | java.io.UncheckedIOException e) {
      // a timeout, a reset or a refused connection: the next attempt may well succeed
      throw EcsLaunchException.retryable(
          what + " " + location + " cannot be read now: " + Messages.firstLine(e.toString()), e);
    }
  }

  /** Whether an HTTP status of a remote document may pass on a later attempt. */
  private byte[] httpGet(String what, String location) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(location)).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> response =
        http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (status / 100 != 2) {
        String message = what + " " + location + ": HTTP " + status;
        throw HttpStatuses.isTransient(status)
            ? EcsLaunchException.retryable(message, null)
            : EcsLaunchException.rejected(message);
      }
      return body.readAllBytes();
    }
  }
}
