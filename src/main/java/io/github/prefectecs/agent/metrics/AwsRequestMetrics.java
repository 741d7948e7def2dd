package io.github.prefectecs.agent.metrics;

import io.github.prefectecs.agent.metrics.AgentMetrics.Outcome;
import java.util.List;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.http.HttpMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * Counts every AWS SDK attempt in {@code prefect_ecs_agent_aws_requests_total{api, outcome}}. A
 * metric publisher rather than an execution interceptor: the SDK classifies each attempt itself
 * (throttling, server error, I/O), which an interceptor cannot see for an attempt that is retried.
 *
 * <p>Thread-safe; the SDK calls {@link #publish} once per API call, after its last attempt.
 */
public final class AwsRequestMetrics implements MetricPublisher {
  private static final String THROTTLING = "Throttling";
  private final AgentMetrics metrics;

  public AwsRequestMetrics(AgentMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void publish(MetricCollection call) {
    String api = first(call.metricValues(CoreMetric.OPERATION_NAME), "unknown");
    List<MetricCollection> attempts =
        call.children().stream().filter(c -> "ApiCallAttempt".equals(c.name())).toList();
    if (attempts.isEmpty()) {
      // Failed before any request was sent (e.g. no credentials).
      metrics.awsRequest(api, Outcome.ERROR);
      return;
    }
    for (MetricCollection attempt : attempts) {
      metrics.awsRequest(api, outcome(attempt));
    }
  }

  static Outcome outcome(MetricCollection attempt) {
    String errorType = first(attempt.metricValues(CoreMetric.ERROR_TYPE), null);
    if (errorType != null) {
      return THROTTLING.equals(errorType) ? Outcome.THROTTLED : Outcome.ERROR;
    }
    Integer status = first(attempt.metricValues(HttpMetric.HTTP_STATUS_CODE), null);
    if (status == null) {
      return Outcome.ERROR;
    }
    if (status == 429) {
      return Outcome.THROTTLED;
    }
    return status / 100 == 2 ? Outcome.OK : Outcome.ERROR;
  }

  private static <T> T first(List<T> values, T otherwise) {
    return values.isEmpty() ? otherwise : values.get(0);
  }

  @Override
  public void close() {
    // Nothing to release: the counters belong to AgentMetrics.
  }
}
