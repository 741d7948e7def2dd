package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.Throttling;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;

/**
 * RunTask with the SDK's STANDARD retries (3 attempts; throttled attempts wait a random time up to
 * 1 s, then 2 s); each throttled attempt is reported to the buckets and each retry takes their
 * tokens, as the agent's interceptor does on a real client. Other calls pass through.
 */
final class SdkRetries implements EcsClient {
  private final EcsClient delegate;
  private final EcsRateLimits limits;
  private final double speedup;
  // Index n: attempts number n of a call (1 = first, 2-3 = SDK retries), and how many were
  // throttled.
  final java.util.concurrent.atomic.AtomicIntegerArray attempts =
      new java.util.concurrent.atomic.AtomicIntegerArray(4);
  final java.util.concurrent.atomic.AtomicIntegerArray throttled =
      new java.util.concurrent.atomic.AtomicIntegerArray(4);

  SdkRetries(EcsClient delegate, EcsRateLimits limits, double speedup) {
    this.delegate = delegate;
    this.limits = limits;
    this.speedup = speedup;
  }

  @Override
  public RunTaskResponse runTask(RunTaskRequest request) {
    List<TokenBucket> buckets = limits.bucketsFor("RunTask", request);
    for (int attempt = 1; ; attempt++) {
      attempts.incrementAndGet(attempt);
      try {
        return delegate.runTask(request);
      } catch (AwsServiceException e) {
        throttled.incrementAndGet(attempt);
        if (attempt >= 3) {
          throw e; // the last attempt's throttling is reported by EcsRateLimits.call
        }
        Throttling.report(buckets);
        long max = Duration.ofSeconds(1L << (attempt - 1)).toNanos();
        QuotaBenchmark.sleep(ThreadLocalRandom.current().nextLong(max), speedup);
        for (TokenBucket bucket : buckets) {
          try {
            bucket.acquire();
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw e;
          }
        }
      }
    }
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionResponse
      registerTaskDefinition(
          software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest request) {
    return delegate.registerTaskDefinition(request);
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse
      describeTaskDefinition(
          software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionRequest request) {
    return delegate.describeTaskDefinition(request);
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse listTaskDefinitions(
      software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsRequest request) {
    return delegate.listTaskDefinitions(request);
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.ListTasksResponse listTasks(
      software.amazon.awssdk.services.ecs.model.ListTasksRequest request) {
    return delegate.listTasks(request);
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.DescribeTasksResponse describeTasks(
      software.amazon.awssdk.services.ecs.model.DescribeTasksRequest request) {
    return delegate.describeTasks(request);
  }

  @Override
  public String serviceName() {
    return "ecs";
  }

  @Override
  public void close() {}
}
