package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.TokenBucket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Connects an AWS SDK client's attempts to the agent's adaptive token buckets: every throttled
 * attempt, including those the SDK's own retries absorb, is reported to the buckets of its API
 * family, and every retry attempt takes a token like a first attempt, because AWS counts retries
 * against the same quota.
 *
 * <p>The first attempt's token is taken by the caller before it calls the client (see {@code
 * EcsRateLimits.call}); this interceptor takes tokens only for attempts 2 and later.
 *
 * <p>Thread-safe; one instance may serve several clients.
 */
public final class ThrottleInterceptor implements ExecutionInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ThrottleInterceptor.class);
  private static final ExecutionAttribute<AtomicInteger> ATTEMPTS =
      new ExecutionAttribute<>("prefectecs.quota.attempts");
  // Error bodies are small JSON or XML documents; only their start is inspected.
  private static final int INSPECTED_BYTES = 4096;

  private final QuotaFamilies families;
  private final AtomicLong throttledAttempts = new AtomicLong();
  private final AtomicLong retryAttempts = new AtomicLong();

  public ThrottleInterceptor(QuotaFamilies families) {
    this.families = families;
  }

  /** Attempts AWS answered with throttling, retried by the SDK or not. */
  public long throttledAttempts() {
    return throttledAttempts.get();
  }

  /** Attempts after the first (SDK retries), each of which took a token. */
  public long retryAttempts() {
    return retryAttempts.get();
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    attributes.putAttribute(ATTEMPTS, new AtomicInteger());
  }

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes attributes) {
    AtomicInteger attempts = attributes.getAttribute(ATTEMPTS);
    if (attempts == null || attempts.incrementAndGet() == 1) {
      return;
    }
    retryAttempts.incrementAndGet();
    for (TokenBucket bucket : buckets(context.request(), attributes)) {
      try {
        bucket.acquire();
      } catch (InterruptedException e) {
        // The retry goes out at once; the caller sees the interrupt flag and stops soon after.
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public Optional<InputStream> modifyHttpResponseContent(
      Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
    SdkHttpResponse response = context.httpResponse();
    Optional<InputStream> body = context.responseBody();
    if (response.statusCode() < 400) {
      return body;
    }
    byte[] head = new byte[0];
    Optional<InputStream> rest = body;
    if (body.isPresent()) {
      try {
        head = body.get().readNBytes(INSPECTED_BYTES);
      } catch (IOException e) {
        throw new UncheckedIOException("reading an AWS error response", e);
      }
      rest = Optional.of(new SequenceInputStream(new ByteArrayInputStream(head), body.get()));
    }
    String errorType = response.firstMatchingHeader("x-amzn-ErrorType").orElse("");
    if (isThrottling(response.statusCode(), errorType, new String(head, StandardCharsets.UTF_8))) {
      throttledAttempts.incrementAndGet();
      String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
      List<TokenBucket> buckets = buckets(context.request(), attributes);
      log.debug("AWS throttled an attempt of {}; lowering the rate of {}", operation, buckets);
      Throttling.report(buckets);
    }
    return rest;
  }

  private List<TokenBucket> buckets(
      software.amazon.awssdk.core.SdkRequest request, ExecutionAttributes attributes) {
    String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    return operation == null ? List.of() : families.bucketsFor(operation, request);
  }

  /** Whether an error answer is AWS throttling (ECS JSON, CloudWatch Logs JSON, Query XML). */
  static boolean isThrottling(int status, String errorType, String body) {
    if (status == 429) {
      return true;
    }
    String text = errorType + " " + body;
    return text.contains("ThrottlingException")
        || text.contains("Throttling")
        || text.contains("ThrottledException")
        || text.contains("RequestLimitExceeded")
        || text.contains("TooManyRequestsException")
        || text.contains("Rate exceeded");
  }
}
