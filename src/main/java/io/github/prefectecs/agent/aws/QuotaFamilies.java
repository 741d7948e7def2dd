package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;
import software.amazon.awssdk.core.SdkRequest;

/**
 * Which client-side token buckets (one per AWS API family) an AWS operation goes through.
 *
 * <p>Implementations are thread-safe.
 */
@FunctionalInterface
public interface QuotaFamilies {
  /**
   * @param operation the operation name as the SDK knows it ({@code RunTask})
   * @param request the modelled request
   * @return the buckets, empty when the agent does not limit the operation
   */
  List<TokenBucket> bucketsFor(String operation, SdkRequest request);
}
