package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.aws.Throttling;
import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** ECS calls paced by the client-side token buckets ({@code aws.EcsRateLimits}). Stateless. */
final class EcsCalls {
  private EcsCalls() {}

  /**
   * Waits for a token of each bucket, then calls; a throttled call is reported to the buckets (an
   * SDK client's interceptor will have reported it too, which the buckets' hold period absorbs).
   */
  static <T> T call(Supplier<T> call, TokenBucket... buckets) {
    for (TokenBucket bucket : buckets) {
      try {
        bucket.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw EcsLaunchException.retryable(
            "interrupted while waiting for the " + bucket.name() + " rate limit", e);
      }
    }
    try {
      return call.get();
    } catch (AwsServiceException e) {
      if (AwsErrors.isThrottling(
          e, e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage())) {
        Throttling.report(List.of(buckets));
      }
      throw e;
    }
  }
}
