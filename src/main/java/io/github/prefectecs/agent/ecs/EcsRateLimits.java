package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.support.TokenBucket;
import java.util.function.Supplier;

/**
 * One client-side token bucket per ECS API family, sized to the published ECS quotas, so a burst of
 * launches waits here instead of being throttled by AWS.
 *
 * <p>Thread-safe.
 *
 * @param runTask RunTask ("cluster resource modify": 100 burst, 40/s)
 * @param fargateRunTask the additional Fargate RunTask limit (20 burst, 20/s)
 * @param definitionModify Register/DeregisterTaskDefinition (20 burst, 1/s)
 * @param clusterRead DescribeTasks/ListTasks (100 burst, 20/s)
 * @param definitionRead DescribeTaskDefinition/ListTaskDefinitions (50 burst, 20/s)
 */
public record EcsRateLimits(
    TokenBucket runTask,
    TokenBucket fargateRunTask,
    TokenBucket definitionModify,
    TokenBucket clusterRead,
    TokenBucket definitionRead) {

  /** Buckets at the published ECS quotas on the system clock. */
  public static EcsRateLimits ecsQuotas() {
    return new EcsRateLimits(
        TokenBucket.system("ecs:RunTask", 100, 40),
        TokenBucket.system("ecs:RunTask (Fargate)", 20, 20),
        TokenBucket.system("ecs:RegisterTaskDefinition", 20, 1),
        TokenBucket.system("ecs:DescribeTasks", 100, 20),
        TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20));
  }

  /** Waits for a token of each bucket, then calls. */
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
    return call.get();
  }
}
