package io.github.prefectecs.agent.prefect.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The double's loopback HTTP listener: health, GraphQL POSTs on any path, injected faults and
 * request recording. It can stop and listen again on the same port. Thread-safe.
 */
final class HttpFront implements AutoCloseable {
  private final GraphqlEndpoint endpoint;
  private final Faults faults;
  private final LostAnswers lostAnswers;
  private final List<RecordedRequest> requests;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "prefect-server-double");
            thread.setDaemon(true);
            return thread;
          });
  private HttpServer server;

  HttpFront(
      GraphqlEndpoint endpoint,
      Faults faults,
      LostAnswers lostAnswers,
      List<RecordedRequest> requests) {
    this.endpoint = endpoint;
    this.faults = faults;
    this.lostAnswers = lostAnswers;
    this.requests = requests;
  }

  /** Listens on 127.0.0.1:{@code onPort} (0 = any free port) and returns the port. */
  synchronized int listen(int onPort) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        HttpServer http =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        http.createContext("/", this::handle);
        http.setExecutor(executor);
        http.start();
        server = http;
        return http.getAddress().getPort();
      } catch (BindException e) {
        last = e;
        try {
          Thread.sleep(20); // the port is still being released by the stopped listener
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
    throw last;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (method.equals("GET") && path.equals("/.well-known/apollo/server-health")) {
        respond(exchange, 200, "application/health+json", "{\"status\":\"pass\"}", null);
        return;
      }
      if (!method.equals("POST")) {
        respond(exchange, 405, "text/plain", "POST GraphQL requests to / or /graphql", null);
        return;
      }
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> headers = new TreeMap<>();
      Map<String, List<String>> allHeaders = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
                allHeaders.put(name.toLowerCase(Locale.ROOT), List.copyOf(values));
              });
      List<String> rootFields = GraphqlEndpoint.rootFields(body);
      requests.add(new RecordedRequest(method, path, allHeaders, body, rootFields));
      if (!faults.authorized(headers.get("authorization"))) {
        respond(
            exchange,
            200,
            "application/json",
            "{\"errors\":[{\"message\":\"UNAUTHENTICATED: Invalid API key\"}],\"data\":null}",
            null);
        return;
      }
      LostAnswers.Loss loss = lostAnswers.take(rootFields, body);
      if (loss != null) {
        lostAnswers.answer(exchange, loss, () -> endpoint.execute(body, headers));
        return;
      }
      try {
        lostAnswers.awaitSlowCommits(rootFields);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Faults.Fault fault = faults.next();
      if (fault != null) {
        if (fault.garbage()) {
          respond(exchange, 200, "text/html", "<html><body>Bad gateway</body></html>", null);
        } else {
          respond(
              exchange,
              fault.status(),
              "text/plain",
              "injected failure " + fault.status(),
              fault.retryAfter());
        }
        return;
      }
      GraphqlEndpoint.Answer answer = endpoint.execute(body, headers);
      respond(exchange, answer.status(), "application/json", answer.body(), null);
    } catch (RuntimeException e) {
      respond(exchange, 500, "text/plain", "double failed: " + e, null);
    }
  }

  private static void respond(
      HttpExchange exchange, int status, String type, String body, String retryAfter)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    if (retryAfter != null) {
      exchange.getResponseHeaders().set("Retry-After", retryAfter);
    }
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  @Override
  public synchronized void close() {
    stop();
    executor.shutdownNow();
  }
}
