package io.github.prefectecs.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.LaunchType;

/**
 * A real SDK ECS client (STANDARD retries) with the interceptor, against a loopback server that
 * answers like ECS: throttled attempts the SDK's retries absorb still lower the right bucket, each
 * retry takes a token, and other errors reach the caller intact without lowering anything.
 */
@Timeout(60)
class ThrottleInterceptorIT {
  private static final String THROTTLED =
      "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}";
  private static final String STARTED =
      "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:123456789012:task/c/t1\"}],"
          + "\"failures\":[]}";

  private final Deque<String[]> answers = new ArrayDeque<>();
  private final AtomicInteger requests = new AtomicInteger();
  private HttpServer server;
  private EcsRateLimits limits;
  private ThrottleInterceptor interceptor;
  private EcsClient ecs;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          requests.incrementAndGet();
          String[] answer;
          synchronized (answers) {
            answer = answers.isEmpty() ? new String[] {"200", STARTED} : answers.poll();
          }
          byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
          exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    limits = EcsRateLimits.adaptive(null);
    interceptor = new ThrottleInterceptor(limits);
    ecs =
        EcsClient.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
            .overrideConfiguration(
                c -> c.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(interceptor))
            .build();
  }

  @AfterEach
  void stop() {
    ecs.close();
    server.stop(0);
  }

  private void answer(int times, int status, String body) {
    for (int i = 0; i < times; i++) {
      answers.add(new String[] {String.valueOf(status), body});
    }
  }

  @Test
  void throttlingAbsorbedBySdkRetriesLowersTheFargateRunTaskRate() {
    answer(2, 400, THROTTLED);
    // Unused buckets are at their slow-start rate (half the ceiling) until their first call.
    double fargateBefore = limits.fargateRunTask().rate();
    double runTaskBefore = limits.runTask().rate();

    String arn =
        ecs.runTask(r -> r.taskDefinition("td:1").launchType(LaunchType.FARGATE))
            .tasks()
            .get(0)
            .taskArn();

    assertThat(arn).endsWith("task/c/t1");
    assertThat(requests.get()).isEqualTo(3);
    assertThat(interceptor.throttledAttempts()).isEqualTo(2);
    assertThat(interceptor.retryAttempts()).isEqualTo(2);
    assertThat(limits.fargateRunTask().rate()).isLessThan(fargateBefore);
    assertThat(limits.runTask().rate())
        .as("the wider RunTask bucket is not lowered")
        .isGreaterThanOrEqualTo(runTaskBefore);
  }

  @Test
  void throttlingOfAnEc2LaunchLowersTheRunTaskRate() {
    answer(2, 400, THROTTLED);
    double runTaskBefore = limits.runTask().rate();
    double fargateBefore = limits.fargateRunTask().rate();

    ecs.runTask(r -> r.taskDefinition("td:1").launchType(LaunchType.EC2));

    assertThat(limits.runTask().rate()).isLessThan(runTaskBefore);
    assertThat(limits.fargateRunTask().rate()).isEqualTo(fargateBefore);
  }

  @Test
  void throttledDescribeTasksLowersTheClusterReadRate() {
    answer(2, 400, THROTTLED);
    double clusterReadBefore = limits.clusterRead().rate();
    double fargateBefore = limits.fargateRunTask().rate();

    ecs.describeTasks(r -> r.tasks(List.of("t1")));

    assertThat(limits.clusterRead().rate()).isLessThan(clusterReadBefore);
    assertThat(limits.fargateRunTask().rate()).isEqualTo(fargateBefore);
  }

  @Test
  void otherErrorsReachTheCallerIntactAndLowerNothing() {
    answer(1, 400, "{\"__type\":\"ClientException\",\"message\":\"Bad task definition\"}");
    double fargateBefore = limits.fargateRunTask().rate();
    double runTaskBefore = limits.runTask().rate();

    assertThatThrownBy(() -> ecs.runTask(r -> r.taskDefinition("td:1")))
        .isInstanceOf(ClientException.class)
        .hasMessageContaining("Bad task definition");
    assertThat(interceptor.throttledAttempts()).isZero();
    assertThat(limits.fargateRunTask().rate()).isEqualTo(fargateBefore);
    assertThat(limits.runTask().rate()).isEqualTo(runTaskBefore);
  }

  @Test
  void throttlingIsRecognisedInEveryAwsShape() {
    assertThat(ThrottleInterceptor.isThrottling(400, "", THROTTLED)).isTrue();
    assertThat(ThrottleInterceptor.isThrottling(400, "ThrottlingException:http://x", "")).isTrue();
    assertThat(ThrottleInterceptor.isThrottling(429, "", "")).isTrue();
    assertThat(
            ThrottleInterceptor.isThrottling(
                503, "", "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"))
        .isTrue();
    assertThat(ThrottleInterceptor.isThrottling(400, "", "{\"__type\":\"ClientException\"}"))
        .isFalse();
  }
}
