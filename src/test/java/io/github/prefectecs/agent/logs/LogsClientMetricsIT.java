package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.support.AdaptiveRate;
import io.github.prefectecs.agent.support.TokenBucket;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.net.URI;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent's CloudWatch Logs client as {@link AwsClients#logs(AgentConfig, TokenBucket,
 * AgentMetrics)} builds it, over loopback: every FilterLogEvents attempt is counted in {@code
 * prefect_ecs_agent_aws_requests_total{api="FilterLogEvents"}}, and a throttled attempt (which the
 * SDK retries) lowers the adaptive read bucket.
 */
@Timeout(60)
class LogsClientMetricsIT {
  private static final Map<String, String> PROPERTIES =
      Map.of(
          "aws.region", "us-east-1",
          "aws.accessKeyId", "testing",
          "aws.secretAccessKey", "testing");
  private MockWebServer endpoint;

  @BeforeEach
  void start() throws Exception {
    endpoint = new MockWebServer();
    endpoint.start();
    PROPERTIES.forEach(System::setProperty);
    System.setProperty("aws.endpointUrl", endpoint.url("/").toString());
  }

  @AfterEach
  void stop() throws Exception {
    PROPERTIES.keySet().forEach(System::clearProperty);
    System.clearProperty("aws.endpointUrl");
    endpoint.shutdown();
  }

  @Test
  void filterLogEventsAttemptsAreCountedAndThrottlingSlowsTheReadBucket() {
    endpoint.enqueue(
        new MockResponse()
            .setResponseCode(400)
            .setHeader("Content-Type", "application/x-amz-json-1.1")
            .setBody("{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"));
    endpoint.enqueue(
        new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "application/x-amz-json-1.1")
            .setBody("{\"events\":[]}"));
    AgentMetrics metrics = AgentMetrics.create();
    TokenBucket bucket =
        new TokenBucket(
            "logs:FilterLogEvents",
            5,
            new AdaptiveRate(5, AdaptiveRate.Tuning.defaults(), () -> 0.5),
            System::nanoTime,
            n -> {});
    AgentConfig config = TestConfigs.server(URI.create("http://127.0.0.1:1"), List.of());
    double before = bucket.rate();
    try (AwsLogsApi logs = new AwsLogsApi(AwsClients.logs(config, bucket, metrics))) {
      logs.filter(FilterQuery.named("/g", List.of("s"), 0, 1), null);
    }

    assertThat(count(metrics, "FilterLogEvents", "throttled")).isEqualTo(1);
    assertThat(count(metrics, "FilterLogEvents", "ok")).isEqualTo(1);
    assertThat(bucket.rate()).isLessThan(before);
  }

  private static double count(AgentMetrics metrics, String api, String outcome) {
    CounterSnapshot snapshot =
        (CounterSnapshot)
            metrics.registry().scrape(n -> n.startsWith("prefect_ecs_agent_aws_requests")).get(0);
    return snapshot.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(Labels.of("api", api, "outcome", outcome)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }
}
