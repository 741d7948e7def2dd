package io.github.prefectecs.agent.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * A loopback HTTP front for moto's CloudWatch Logs (JSON 1.1) that answers FilterLogEvents as
 * CloudWatch does where moto does not: with {@link Semantics#CLOUDWATCH}, a read naming a stream
 * that does not exist is refused whole ({@code ResourceNotFoundException}, "The specified log
 * stream does not exist."; moto ignores the name); a {@code logStreamNamePrefix} read returns only
 * streams with that prefix (moto ignores the prefix). It can also deny a group ({@code
 * AccessDeniedException}) and throttle the next reads ({@code ThrottlingException}). Every other
 * call passes through unchanged.
 *
 * <p>Which way the log ITs answer is chosen by {@code -Dlogs.cloudwatch=cloudwatch|emulator|both}
 * (default {@code both}: each such test runs both ways). Thread-safe; close it when done.
 */
public final class CloudWatchFront implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TARGET = "Logs_20140328.";

  /** How FilterLogEvents answers a read naming a missing stream. */
  public enum Semantics {
    /** Refused whole, as CloudWatch does. */
    CLOUDWATCH,
    /** The name is ignored, as moto does. */
    EMULATOR
  }

  private final URI moto;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final HttpClient http = HttpClient.newHttpClient();
  private final Set<String> denied = new HashSet<>();
  private final AtomicInteger throttleNext = new AtomicInteger();
  private final AtomicInteger filterCalls = new AtomicInteger();
  private final AtomicInteger refusedCalls = new AtomicInteger();
  private volatile Semantics semantics = Semantics.CLOUDWATCH;

  private CloudWatchFront(URI moto) throws IOException {
    this.moto = moto;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A front for the moto at {@code moto}. */
  public static CloudWatchFront of(URI moto) {
    try {
      return new CloudWatchFront(moto);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ways the log ITs run, from {@code -Dlogs.cloudwatch} (default: both). */
  public static List<Semantics> selected() {
    String chosen = System.getProperty("logs.cloudwatch", "both").trim().toUpperCase();
    return chosen.equals("BOTH")
        ? List.of(Semantics.values())
        : Arrays.stream(Semantics.values()).filter(s -> s.name().equals(chosen)).toList();
  }

  public CloudWatchFront semantics(Semantics semantics) {
    this.semantics = semantics;
    return this;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** FilterLogEvents on {@code group} answers AccessDeniedException until {@link #allow}. */
  public synchronized void deny(String group) {
    denied.add(group);
  }

  public synchronized void allow(String group) {
    denied.remove(group);
  }

  /** The next {@code calls} FilterLogEvents answer ThrottlingException ("Rate exceeded"). */
  public void throttleNext(int calls) {
    throttleNext.set(calls);
  }

  public int throttledLeft() {
    return throttleNext.get();
  }

  public int filterCalls() {
    return filterCalls.get();
  }

  /** FilterLogEvents refused because a named stream did not exist. */
  public int refusedCalls() {
    return refusedCalls.get();
  }

  /** A client of this front (as the agent's, with the SDK's standard retries). */
  public CloudWatchLogsClient logs() {
    return CloudWatchLogsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD))
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .build();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if ((TARGET + "FilterLogEvents").equals(target)) {
        filter(exchange, body);
      } else {
        Answer answer = forward(exchange, body);
        send(exchange, answer.status(), answer.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void filter(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    filterCalls.incrementAndGet();
    JsonNode request = JSON.readTree(body);
    String group = request.path("logGroupName").asText();
    if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      error(exchange, "ThrottlingException", "Rate exceeded");
      return;
    }
    boolean isDenied;
    synchronized (this) {
      isDenied = denied.contains(group);
    }
    if (isDenied) {
      error(
          exchange,
          "AccessDeniedException",
          "User: arn:aws:sts::123456789012:assumed-role/agent/x is not authorized to perform:"
              + " logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:"
              + group
              + ":log-stream:");
      return;
    }
    JsonNode names = request.path("logStreamNames");
    if (semantics == Semantics.CLOUDWATCH && names.isArray() && !names.isEmpty()) {
      Set<String> existing = streams(exchange, group);
      if (existing != null) {
        for (JsonNode name : names) {
          if (!existing.contains(name.asText())) {
            refusedCalls.incrementAndGet();
            error(
                exchange, "ResourceNotFoundException", "The specified log stream does not exist.");
            return;
          }
        }
      }
    }
    Answer answer = forward(exchange, body);
    String prefix = request.path("logStreamNamePrefix").asText(null);
    if (answer.status() != 200 || prefix == null) {
      send(exchange, answer.status(), answer.body());
      return;
    }
    ObjectNode page = (ObjectNode) JSON.readTree(answer.body());
    ArrayNode kept = JSON.createArrayNode();
    page.path("events")
        .forEach(
            e -> {
              if (e.path("logStreamName").asText().startsWith(prefix)) {
                kept.add(e);
              }
            });
    page.set("events", kept);
    page.remove("searchedLogStreams");
    send(exchange, 200, JSON.writeValueAsBytes(page));
  }

  /** The names of every stream of {@code group} in moto; null when moto does not know it. */
  private Set<String> streams(HttpExchange exchange, String group)
      throws IOException, InterruptedException {
    Set<String> names = new HashSet<>();
    String token = null;
    do {
      ObjectNode describe = JSON.createObjectNode().put("logGroupName", group);
      if (token != null) {
        describe.put("nextToken", token);
      }
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(moto)
                  .header("Content-Type", "application/x-amz-json-1.1")
                  .header("X-Amz-Target", TARGET + "DescribeLogStreams")
                  .header(
                      "Authorization",
                      String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(describe)))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        return null;
      }
      JsonNode page = JSON.readTree(response.body());
      page.path("logStreams").forEach(s -> names.add(s.path("logStreamName").asText()));
      token = page.path("nextToken").asText(null);
    } while (token != null);
    return names;
  }

  private record Answer(int status, byte[] body) {}

  private Answer forward(HttpExchange exchange, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(moto.resolve(exchange.getRequestURI().getPath()))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (String header : List.of("Content-Type", "X-Amz-Target", "Authorization", "X-Amz-Date")) {
      String value = exchange.getRequestHeaders().getFirst(header);
      if (value != null) {
        request.header(header, value);
      }
    }
    HttpResponse<byte[]> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(response.statusCode(), response.body());
  }

  private static void error(HttpExchange exchange, String type, String message) throws IOException {
    byte[] body =
        JSON.writeValueAsBytes(JSON.createObjectNode().put("__type", type).put("message", message));
    exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
    send(exchange, 400, body);
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
