package io.github.prefectecs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The publisher on a real SDK client over loopback: ECS answers throttling, then a server error,
 * then success, and every SDK attempt is counted with the outcome the SDK gave it.
 */
@Timeout(60)
class AwsRequestMetricsIT {
  private static final String JSON_11 = "application/x-amz-json-1.1";
  private MockWebServer ecsEndpoint;
  private EcsClient ecs;
  private final AgentMetrics metrics = AgentMetrics.create();

  @BeforeEach
  void start() throws Exception {
    ecsEndpoint = new MockWebServer();
    ecsEndpoint.start();
    ecs =
        EcsClient.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(
                b ->
                    b.retryStrategy(RetryMode.STANDARD)
                        .addMetricPublisher(new AwsRequestMetrics(metrics)))
            .endpointOverride(ecsEndpoint.url("/").uri())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "x")))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    ecs.close();
    ecsEndpoint.shutdown();
  }

  private void answer(int status, String body) {
    ecsEndpoint.enqueue(
        new MockResponse()
            .setResponseCode(status)
            .setHeader("Content-Type", JSON_11)
            .setBody(body));
  }

  @Test
  void everyAttemptIsCountedWithItsOutcome() {
    answer(400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
    answer(500, "{\"__type\":\"ServerException\",\"message\":\"internal\"}");
    answer(200, "{\"clusterArns\":[]}");
    answer(200, "{\"clusterArns\":[]}");

    ecs.listClusters();
    ecs.listClusters();

    assertThat(count("ListClusters", "throttled")).isEqualTo(1);
    assertThat(count("ListClusters", "error")).isEqualTo(1);
    assertThat(count("ListClusters", "ok")).isEqualTo(2);
    assertThat(ecsEndpoint.getRequestCount()).isEqualTo(4);
  }

  private double count(String api, String outcome) {
    CounterSnapshot snapshot =
        (CounterSnapshot)
            metrics.registry().scrape(n -> n.startsWith("prefect_ecs_agent_aws_requests")).get(0);
    return snapshot.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(Labels.of("api", api, "outcome", outcome)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }
}
