package io.github.prefectecs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The whole agent (Prefect double, real GraphQL client, real ECS launcher on moto): after three
 * runs launched and one rejected, {@code /metrics} over HTTP shows them, the AWS and Prefect
 * requests, the launch and poll durations and the JVM's own series.
 */
@Timeout(180)
class MetricsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void scrapeAfterLaunchesShowsRunsRequestsDurationsAndJvm() throws Exception {
    try (MotoServer moto = MotoServer.start();
        PrefectServerDouble server = PrefectServerDouble.start()) {
      AgentMetrics metrics = AgentMetrics.withJvm();
      EcsClient ecs =
          EcsClient.builder()
              .httpClientBuilder(UrlConnectionHttpClient.builder())
              .overrideConfiguration(
                  b ->
                      b.retryStrategy(RetryMode.STANDARD)
                          .addMetricPublisher(new AwsRequestMetrics(metrics)))
              .endpointOverride(moto.endpoint())
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "x")))
              .build();
      String securityGroup = prepareAccount(moto, ecs);
      Path template = dir.resolve("task-definition.yaml");
      Files.writeString(
          template,
          "networkMode: awsvpc\ncpu: 1024\nmemory: 2048\ncontainerDefinitions:\n"
              + "  - name: flow\n    memory: 2048\n");
      AgentConfig config = config(server, template, securityGroup);
      Ec2QueryVpcLookup lookup =
          new Ec2QueryVpcLookup(
              StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "x")),
              "us-east-1",
              Map.of("AWS_ENDPOINT_URL_EC2", moto.endpoint().toString()),
              Duration.ofSeconds(10),
              new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)));

      List<String> good = new ArrayList<>();
      ObjectNode ecsRun = (ObjectNode) JSON.readTree("{\"type\":\"ECSRun\",\"labels\":[\"ecs\"]}");
      String flow = flow(server, ecsRun);
      for (int i = 0; i < 3; i++) {
        good.add(server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), ecsRun));
      }
      ObjectNode localRun =
          (ObjectNode) JSON.readTree("{\"type\":\"LocalRun\",\"labels\":[\"ecs\"]}");
      String bad =
          server.createFlowRun(
              flow(server, localRun), List.of("ecs"), Instant.now().minusSeconds(1), localRun);

      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(
                  tenant -> EcsLauncher.create(config, tenant, ecs, lookup, Clock.systemUTC()))
              .clock(Clock.systemUTC())
              .metrics(metrics)
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(120),
            () -> "3 runs launched and 1 failed",
            () ->
                good.stream()
                        .allMatch(
                            r ->
                                server.logs(r).stream()
                                    .anyMatch(
                                        l -> l.message().startsWith("Submitted for execution")))
                    && server.flowRunState(bad).equals("Failed")
                    && agent.registry().size() == 3);
        String body = scrape(agent.healthPort());

        assertThat(value(body, "prefect_ecs_agent_runs_launched_total")).isEqualTo(3);
        assertThat(value(body, "prefect_ecs_agent_runs_failed_total{cause=\"launch_rejected\"}"))
            .isEqualTo(1);
        assertThat(value(body, "prefect_ecs_agent_runs_in_flight")).isEqualTo(3);
        assertThat(value(body, "prefect_ecs_agent_launch_seconds_count")).isEqualTo(3);
        assertThat(value(body, "prefect_ecs_agent_launch_seconds_sum")).isPositive();
        assertThat(value(body, "prefect_ecs_agent_poll_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(
                value(body, "prefect_ecs_agent_aws_requests_total{api=\"RunTask\",outcome=\"ok\"}"))
            .isEqualTo(3);
        assertThat(
                value(
                    body,
                    "prefect_ecs_agent_aws_requests_total{api=\"RegisterTaskDefinition\","
                        + "outcome=\"ok\"}"))
            .isEqualTo(1);
        assertThat(
                value(
                    body,
                    "prefect_ecs_agent_prefect_requests_total{operation=\"register_agent\","
                        + "outcome=\"ok\"}"))
            .isEqualTo(1);
        assertThat(
                value(
                    body,
                    "prefect_ecs_agent_prefect_requests_total{operation=\"get_runs_in_queue\","
                        + "outcome=\"ok\"}"))
            .isGreaterThanOrEqualTo(1);
        // Claims (Submitted), the Failed state and run logs go through the batcher.
        assertThat(
                value(
                    body,
                    "prefect_ecs_agent_prefect_requests_total{operation=\"set_flow_run_states\","
                        + "outcome=\"ok\"}"))
            .isGreaterThanOrEqualTo(1);
        assertThat(
                value(
                    body,
                    "prefect_ecs_agent_prefect_requests_total{operation=\"write_run_logs\","
                        + "outcome=\"ok\"}"))
            .isGreaterThanOrEqualTo(1);
        assertThat(body)
            .contains("# TYPE prefect_ecs_agent_spot_relaunches_total counter")
            .contains("prefect_ecs_agent_log_lines_forwarded_total 0.0")
            .contains("prefect_ecs_agent_log_lines_dropped_total 0.0")
            .contains("jvm_memory_used_bytes{area=\"heap\"}")
            .contains("jvm_threads_current")
            .contains("process_cpu_seconds_total");
      } finally {
        agent.close();
        ecs.close();
      }
    }
  }

  private static String prepareAccount(MotoServer moto, EcsClient ecs) throws Exception {
    moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
    try (MotoAccount account = MotoAccount.create(moto, "flows")) {
      return account.securityGroup();
    }
  }

  private static AgentConfig config(PrefectServerDouble server, Path template, String sg) {
    AgentConfig base = TestConfigs.server(server.uri(), List.of("ecs"));
    EcsSettings defaults = EcsSettings.defaults();
    EcsSettings settings =
        EcsSettings.builder()
            .cluster("flows")
            .strategy(defaults.capacityProviderStrategy())
            .taskDefinition(template.toString())
            .network(List.of(), List.of(sg), null)
            .build();
    return TestConfigs.withEcs(base, settings);
  }

  private static String flow(PrefectServerDouble server, ObjectNode runConfig) {
    return server.createFlow(
        "flow", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return response.body();
  }

  /** The value of the sample named exactly {@code series} (name and labels as printed). */
  static double value(String body, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
    assertThat(m.find()).as("series %s in%n%s", series, body).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
