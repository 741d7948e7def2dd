package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;

/** How a throttled call is reported to the buckets it went through. Stateless. */
public final class Throttling {
  private Throttling() {}

  /**
   * Reports a throttled call to the tightest (lowest-rate) of the buckets it went through: that is
   * the quota most likely exhausted, and lowering the others would only slow calls they limit
   * alone.
   */
  public static void report(List<TokenBucket> buckets) {
    TokenBucket tightest = null;
    for (TokenBucket bucket : buckets) {
      if (tightest == null || bucket.rate() < tightest.rate()) {
        tightest = bucket;
      }
    }
    if (tightest != null) {
      tightest.throttled();
    }
  }
}
