package io.github.prefectecs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.metrics.AgentMetrics.Outcome;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.http.HttpMetric;
import software.amazon.awssdk.metrics.MetricCollector;

class AwsRequestMetricsTest {

  static Stream<Arguments> attempts() {
    return Stream.of(
        Arguments.of(200, null, Outcome.OK),
        Arguments.of(400, "Throttling", Outcome.THROTTLED),
        Arguments.of(429, null, Outcome.THROTTLED),
        Arguments.of(503, "ServerError", Outcome.ERROR),
        Arguments.of(400, "Other", Outcome.ERROR),
        Arguments.of(null, "IO", Outcome.ERROR),
        Arguments.of(null, null, Outcome.ERROR));
  }

  @ParameterizedTest
  @MethodSource("attempts")
  void eachAttemptIsClassifiedByTheSdksErrorTypeThenItsStatus(
      Integer status, String errorType, Outcome expected) {
    MetricCollector attempt = MetricCollector.create("ApiCallAttempt");
    if (status != null) {
      attempt.reportMetric(HttpMetric.HTTP_STATUS_CODE, status);
    }
    if (errorType != null) {
      attempt.reportMetric(CoreMetric.ERROR_TYPE, errorType);
    }
    assertThat(AwsRequestMetrics.outcome(attempt.collect())).isEqualTo(expected);
  }

  @Test
  void aCallWithTwoThrottledAttemptsAndOneOkCountsThreeRequests() {
    AgentMetrics metrics = AgentMetrics.create();
    MetricCollector call = MetricCollector.create("ApiCall");
    call.reportMetric(CoreMetric.OPERATION_NAME, "RunTask");
    for (String errorType : new String[] {"Throttling", "Throttling", null}) {
      MetricCollector attempt = call.createChild("ApiCallAttempt");
      attempt.reportMetric(HttpMetric.HTTP_STATUS_CODE, errorType == null ? 200 : 400);
      if (errorType != null) {
        attempt.reportMetric(CoreMetric.ERROR_TYPE, errorType);
      }
    }

    new AwsRequestMetrics(metrics).publish(call.collect());

    assertThat(count(metrics, "RunTask", "throttled")).isEqualTo(2);
    assertThat(count(metrics, "RunTask", "ok")).isEqualTo(1);
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
