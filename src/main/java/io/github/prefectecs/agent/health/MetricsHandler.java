package io.github.prefectecs.agent.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code GET /metrics}: the registry in the Prometheus text format, or OpenMetrics when the scraper
 * asks for it ({@code Accept: application/openmetrics-text}).
 *
 * <p>Thread-safe; each scrape takes a fresh snapshot.
 */
final class MetricsHandler implements HttpHandler {
  private final PrometheusRegistry registry;
  private final ExpositionFormatWriter text = new PrometheusTextFormatWriter(false);
  private final ExpositionFormatWriter openMetrics = new OpenMetricsTextFormatWriter(false, false);

  MetricsHandler(PrometheusRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())
          && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      String accept = exchange.getRequestHeaders().getFirst("Accept");
      ExpositionFormatWriter writer = openMetrics.accepts(accept) ? openMetrics : text;
      MetricSnapshots snapshots = registry.scrape();
      ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
      writer.write(body, snapshots);
      exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(200, head ? -1 : body.size());
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          body.writeTo(out);
        }
      }
    }
  }
}
