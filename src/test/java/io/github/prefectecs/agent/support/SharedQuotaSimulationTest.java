package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Agents' adaptive RunTask buckets against one account's Fargate RunTask bucket (20/s, burst 20),
 * simulated in 1 ms steps on a fake clock: 500 due runs per agent, 10 launch threads per agent,
 * 20-50 ms per call, a throttled call retried after 0-1 s (the SDK's backoff) once it has a token.
 * Deterministic (seeded), so it checks the rate logic itself, not the machine's timing.
 */
class SharedQuotaSimulationTest {
  private static final long MS = 1_000_000L;

  private long now;

  @ParameterizedTest(name = "{0} agent(s), seed {1}")
  @CsvSource({"1, 1", "2, 1", "2, 2", "2, 3", "3, 1", "3, 2", "3, 3", "3, 4", "3, 5"})
  void agentsShareTheQuotaWithFewThrottledCallsAndLoseLittleThroughput(int agents, long seed) {
    Random random = new Random(seed);
    List<TokenBucket> buckets = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      AdaptiveRate rate = new AdaptiveRate(20, AdaptiveRate.Tuning.defaults(), random::nextDouble);
      buckets.add(new TokenBucket("agent " + a, 20, rate, () -> now, nanos -> {}));
    }
    double accountTokens = 20;
    int[] left = new int[agents];
    java.util.Arrays.fill(left, 500);
    // Per thread: the time its call arrives at ECS, or its backoff ends (0: wants a token).
    long[][] busyUntil = new long[agents][10];
    boolean[][] inFlight = new boolean[agents][10];
    boolean[][] retrying = new boolean[agents][10];
    int calls = 0;
    int throttled = 0;
    int launched = 0;
    int total = 500 * agents;
    for (now = 0; launched < total; now += MS) {
      accountTokens = Math.min(20, accountTokens + 0.020);
      for (int a = 0; a < agents; a++) {
        for (int t = 0; t < 10; t++) {
          if (inFlight[a][t] && busyUntil[a][t] <= now) {
            inFlight[a][t] = false;
            calls++;
            if (accountTokens >= 1) {
              accountTokens -= 1;
              launched++;
              retrying[a][t] = false;
            } else {
              throttled++;
              buckets.get(a).throttled();
              retrying[a][t] = true;
              busyUntil[a][t] = now + (long) (random.nextDouble() * 1000) * MS;
            }
          }
          boolean wantsToken = !inFlight[a][t] && busyUntil[a][t] <= now;
          if (wantsToken && (retrying[a][t] || left[a] > 0) && buckets.get(a).tryAcquire()) {
            if (!retrying[a][t]) {
              left[a]--;
            }
            inFlight[a][t] = true;
            busyUntil[a][t] = now + (20 + random.nextInt(31)) * MS;
          }
        }
      }
    }
    double seconds = now / 1e9;
    double share = (double) throttled / calls;
    System.out.printf(
        "simulated %d agent(s), seed %d: %.2f runs/s, %.3f calls/run, %.3f throttled%n",
        agents, seed, launched / seconds, (double) calls / total, share);
    assertThat(launched).isEqualTo(total);
    assertThat(share).as("share of RunTask calls throttled").isLessThanOrEqualTo(0.05);
    assertThat(launched / seconds).as("runs/s together").isGreaterThanOrEqualTo(18);
    if (agents == 1) {
      assertThat(throttled).as("a lone agent is never throttled").isZero();
      assertThat(launched / seconds).isGreaterThanOrEqualTo(19.5);
    }
  }
}
