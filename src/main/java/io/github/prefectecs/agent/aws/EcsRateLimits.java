package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.AdaptiveRate;
import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;

/**
 * One client-side token bucket per ECS API family, sized to the published ECS quotas, so a burst of
 * launches waits here instead of being throttled by AWS.
 *
 * <p>The buckets are either fixed ({@link #ecsQuotas()}) or adaptive ({@link #adaptive}): several
 * agents in one account and Region share one quota, so each adaptive bucket lowers its rate when
 * AWS throttles a call it let through and climbs back while none is throttled (see {@link
 * TokenBucket#throttled()}). Throttling is reported per attempt by the {@code ThrottleInterceptor}
 * on SDK clients and by {@link #call} for a throttled call that reaches it.
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
    TokenBucket definitionRead)
    implements QuotaFamilies {

  /** Buckets at the published ECS quotas on the system clock. */
  public static EcsRateLimits ecsQuotas() {
    return new EcsRateLimits(
        TokenBucket.system("ecs:RunTask", 100, 40),
        TokenBucket.system("ecs:RunTask (Fargate)", 20, 20),
        TokenBucket.system("ecs:RegisterTaskDefinition", 20, 1),
        TokenBucket.system("ecs:DescribeTasks", 100, 20),
        TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20));
  }

  /**
   * Adaptive buckets whose ceilings are the published ECS quotas, the RunTask ones lowered to
   * {@code maxRunTaskRate} when set (burst then one second's worth, at least 1).
   *
   * @param maxRunTaskRate an operator's cap on RunTask calls per second; null for none
   */
  public static EcsRateLimits adaptive(Double maxRunTaskRate) {
    return adaptive(maxRunTaskRate, AdaptiveRate.Tuning.defaults(), 1);
  }

  /**
   * Adaptive buckets on a clock {@code speedup} times faster than real time (quotas times {@code
   * speedup}), for benchmarks and tests.
   */
  public static EcsRateLimits adaptive(
      Double maxRunTaskRate, AdaptiveRate.Tuning tuning, double speedup) {
    double runTask = maxRunTaskRate == null ? 40 : maxRunTaskRate;
    double fargate = maxRunTaskRate == null ? 20 : Math.min(20, maxRunTaskRate);
    int runTaskBurst = maxRunTaskRate == null ? 100 : burst(maxRunTaskRate);
    int fargateBurst = maxRunTaskRate == null ? 20 : Math.min(20, burst(maxRunTaskRate));
    AdaptiveRate.Tuning t = tuning.scaled(speedup);
    return new EcsRateLimits(
        TokenBucket.adaptive("ecs:RunTask", runTaskBurst, runTask * speedup, t),
        TokenBucket.adaptive("ecs:RunTask (Fargate)", fargateBurst, fargate * speedup, t),
        TokenBucket.adaptive("ecs:RegisterTaskDefinition", 20, 1 * speedup, t),
        TokenBucket.adaptive("ecs:DescribeTasks", 100, 20 * speedup, t),
        TokenBucket.adaptive("ecs:DescribeTaskDefinition", 50, 20 * speedup, t));
  }

  private static int burst(double perSecond) {
    return (int) Math.max(1, Math.round(perSecond));
  }

  /**
   * The buckets an ECS operation goes through, tightest last: RunTask through {@code runTask} and,
   * unless the request names the EC2 or EXTERNAL launch type or only non-Fargate capacity
   * providers, {@code fargateRunTask}; an operation the agent does not limit through none.
   */
  @Override
  public List<TokenBucket> bucketsFor(String operation, SdkRequest request) {
    switch (operation) {
      case "RunTask":
        return request instanceof RunTaskRequest run && !onFargate(run)
            ? List.of(runTask)
            : List.of(runTask, fargateRunTask);
      case "StartTask":
      case "StopTask":
        return List.of(runTask);
      case "RegisterTaskDefinition":
      case "DeregisterTaskDefinition":
        return List.of(definitionModify);
      case "DescribeTasks":
      case "ListTasks":
        return List.of(clusterRead);
      case "DescribeTaskDefinition":
      case "ListTaskDefinitions":
      case "ListTaskDefinitionFamilies":
        return List.of(definitionRead);
      default:
        return List.of();
    }
  }

  private static boolean onFargate(RunTaskRequest run) {
    if (run.launchType() != null) {
      return run.launchTypeAsString().equals("FARGATE");
    }
    return !run.hasCapacityProviderStrategy()
        || run.capacityProviderStrategy().isEmpty()
        || run.capacityProviderStrategy().stream()
            .anyMatch(
                i -> i.capacityProvider() != null && i.capacityProvider().startsWith("FARGATE"));
  }
}
