package io.github.prefectecs.agent.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP endpoint ({@code --agent-address}): {@code GET /api/health} answers 200 only
 * while polls succeed and 503 with a JSON reason otherwise; {@code GET /api/poke} wakes the poll
 * loop at once; {@code GET /metrics} serves the Prometheus metrics when a registry is given.
 *
 * <p>Thread-safe; serves on one named daemon thread.
 */
public final class HealthServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
  private final HttpServer server;
  private final ExecutorService executor;

  private HealthServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on the host and port of {@code address} (an empty host or {@code 0.0.0.0} means
   * every interface). Throws {@link UncheckedIOException} when the port cannot be bound.
   */
  public static HealthServer start(URI address, AgentHealth health, Runnable poke) {
    return start(address, health, poke, null);
  }

  /** As {@link #start(URI, AgentHealth, Runnable)}, also serving {@code metrics} on /metrics. */
  public static HealthServer start(
      URI address, AgentHealth health, Runnable poke, PrometheusRegistry metrics) {
    String host = address.getHost();
    InetSocketAddress bind =
        host == null || host.isEmpty() || host.equals("0.0.0.0")
            ? new InetSocketAddress(address.getPort())
            : new InetSocketAddress(host, address.getPort());
    HttpServer server;
    try {
      server = HttpServer.create(bind, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot serve the agent address " + address + ": " + e.getMessage(), e);
    }
    ExecutorService executor =
        Executors.newSingleThreadExecutor(new NamedThreadFactory("agent-api-server", true));
    server.setExecutor(executor);
    server.createContext("/api/health", exchange -> health(exchange, health));
    server.createContext(
        "/api/poke",
        exchange -> {
          poke.run();
          respond(exchange, 200, "");
        });
    if (metrics != null) {
      server.createContext("/metrics", new MetricsHandler(metrics));
    }
    server.createContext("/", exchange -> respond(exchange, 404, "{\"error\":\"not found\"}"));
    server.start();
    LOG.info("Agent API server listening on {}", server.getAddress());
    return new HealthServer(server, executor);
  }

  /** The port actually bound (useful when the address asked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void health(HttpExchange exchange, AgentHealth health) throws IOException {
    AgentHealth.Status s = health.status();
    String body =
        "{\"status\":"
            + quote(s.healthy() ? "ok" : "unhealthy")
            + ",\"reason\":"
            + quote(s.reason())
            + ",\"last_successful_poll\":"
            + (s.lastSuccessfulPoll() == null ? "null" : quote(s.lastSuccessfulPoll().toString()))
            + ",\"consecutive_failures\":"
            + s.consecutiveFailures()
            + "}";
    respond(exchange, s.healthy() ? 200 : 503, body);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
