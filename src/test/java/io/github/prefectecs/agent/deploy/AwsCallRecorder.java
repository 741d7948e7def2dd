package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP proxy in front of moto that records every AWS call passing through it: the SDK's
 * JSON calls (ECS, CloudWatch Logs, by {@code X-Amz-Target}), the agent's hand-written EC2 Query
 * calls (by {@code Action=}) and S3 object reads. An agent given {@code AWS_ENDPOINT_URL=}{@link
 * #endpoint()} sends all of them here, so the record is every call it makes, retries included,
 * whatever client made it.
 *
 * <p>Thread-safe. Close it to stop the proxy.
 */
final class AwsCallRecorder implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SCOPE = Pattern.compile("Credential=[^/]+/[^/]+/[^/]+/([^/]+)/");

  // Headers java.net.http sets itself or refuses to be given.
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "host",
          "connection",
          "content-length",
          "expect",
          "upgrade",
          "transfer-encoding",
          "date",
          "via",
          "warning",
          "from",
          "keep-alive");

  /**
   * One AWS call.
   *
   * @param action {@code service:Operation} as IAM names it, e.g. {@code ecs:RunTask}
   * @param request the JSON request body, or the form of a Query call as an object of strings
   * @param path the request path (S3 bucket and key)
   * @param status the HTTP status moto answered
   * @param response the JSON response body, or a missing node
   */
  record AwsCall(String action, JsonNode request, String path, int status, JsonNode response) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient http;
  private final URI target;
  private final List<AwsCall> calls = new CopyOnWriteArrayList<>();

  private AwsCallRecorder(HttpServer server, ExecutorService executor, URI target) {
    this.server = server;
    this.executor = executor;
    this.target = target;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** Starts a proxy to {@code target} on a free loopback port. */
  static AwsCallRecorder start(URI target) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService executor = Executors.newFixedThreadPool(8);
    server.setExecutor(executor);
    AwsCallRecorder recorder = new AwsCallRecorder(server, executor, target);
    server.createContext("/", recorder::forward);
    server.start();
    return recorder;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every call so far, in the order their answers came back. */
  List<AwsCall> calls() {
    return List.copyOf(calls);
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      URI uri = target.resolve(exchange.getRequestURI().toString());
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(60))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      calls.add(call(exchange, body, response));
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                  exchange.getResponseHeaders().put(name, values);
                }
              });
      byte[] answer = response.body();
      exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    }
  }

  private static AwsCall call(HttpExchange exchange, byte[] body, HttpResponse<byte[]> response) {
    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
    String path = exchange.getRequestURI().getPath();
    String service = scope(exchange.getRequestHeaders().getFirst("Authorization"));
    if (target != null) {
      String operation = target.substring(target.indexOf('.') + 1);
      return new AwsCall(
          service + ":" + operation,
          json(body),
          path,
          response.statusCode(),
          json(response.body()));
    }
    if ("s3".equals(service)) {
      String operation =
          switch (exchange.getRequestMethod()) {
            case "GET" -> "GetObject";
            case "HEAD" -> "HeadObject";
            default -> exchange.getRequestMethod() + "Object";
          };
      return new AwsCall(
          "s3:" + operation,
          MissingNode.getInstance(),
          path,
          response.statusCode(),
          MissingNode.getInstance());
    }
    Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
    return new AwsCall(
        service + ":" + form.getOrDefault("Action", "(no Action)"),
        JSON.valueToTree(form),
        path,
        response.statusCode(),
        MissingNode.getInstance());
  }

  private static String scope(String authorization) {
    if (authorization == null) {
      return "unsigned";
    }
    Matcher m = SCOPE.matcher(authorization);
    if (!m.find()) {
      return "unsigned";
    }
    // SigV4 signs CloudWatch Logs as "logs", ECS as "ecs", EC2 as "ec2", S3 as "s3": IAM's
    // prefixes.
    return m.group(1);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return form;
    }
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      form.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return form;
  }

  private static JsonNode json(byte[] body) {
    if (body.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException notJson) {
      return MissingNode.getInstance();
    }
  }

  /** The IAM actions of every call so far, each once, in first-call order. */
  List<String> actions() {
    List<String> actions = new ArrayList<>();
    for (AwsCall call : calls) {
      if (!actions.contains(call.action())) {
        actions.add(call.action());
      }
    }
    return actions;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
