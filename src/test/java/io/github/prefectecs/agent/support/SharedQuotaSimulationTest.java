package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Agents' adaptive RunTask buckets against one account's Fargate RunTask bucket (20/s, burst 20),
 * simulated in 1 ms steps on a fake clock: due runs per agent, 10 launch threads per agent, 20-50
 * ms per call, a throttled call retried after 0-1 s (the SDK's backoff) once it has a token.
 * Deterministic (seeded), so it checks the rate logic itself, not the machine's timing.
 */
class SharedQuotaSimulationTest {
  private static final long MS = 1_000_000L;

  private long now;

  /** Calls and outcomes from {@code from} on. */
  private record Outcome(int launched, int calls, int throttled, double seconds) {
    double share() {
      return calls == 0 ? 0 : (double) throttled / calls;
    }

    double perSecond() {
      return launched / seconds;
    }
  }

  @ParameterizedTest(name = "{0} agent(s), seed {1}")
  @CsvSource({"1, 1", "2, 1", "2, 2", "2, 3", "3, 1", "3, 2", "3, 3", "3, 4", "3, 5"})
  void agentsShareTheQuotaWithFewThrottledCallsAndLoseLittleThroughput(int agents, long seed) {
    Outcome o = simulate(agents, seed, 500, Long.MAX_VALUE, 0);
    System.out.printf(
        "simulated %d agent(s), seed %d: %.2f runs/s, %.3f calls/run, %.3f throttled%n",
        agents, seed, o.perSecond(), (double) o.calls() / o.launched(), o.share());
    assertThat(o.launched()).isEqualTo(500 * agents);
    assertThat(o.share()).as("share of RunTask calls throttled").isLessThanOrEqualTo(0.05);
    assertThat(o.perSecond()).as("runs/s together").isGreaterThanOrEqualTo(18);
    if (agents == 1) {
      assertThat(o.throttled()).as("a lone agent is never throttled").isZero();
      assertThat(o.perSecond()).isGreaterThanOrEqualTo(19.5);
    }
  }

  @Test
  void agentsIdleForAMinuteThenGivenWorkTogetherComeBackWithFewThrottledCalls() {
    // Runs due on the hour: 200 each, a minute without work, then 300 each at once.
    Outcome second = simulate(3, 7, 200, 60_000 * MS, 300);
    System.out.printf(
        "simulated 3 agents after a minute idle: %.2f runs/s, %d of %d calls throttled%n",
        second.perSecond(), second.throttled(), second.calls());
    assertThat(second.launched()).isEqualTo(900);
    assertThat(second.share()).isLessThanOrEqualTo(0.05);
    // 900 runs take 45 s at the quota; the slow start and the agents finding their shares again
    // cost a few seconds of that (16.65 runs/s measured), so only "most of the quota" is checked.
    assertThat(second.perSecond()).isGreaterThanOrEqualTo(15);
  }

  /**
   * {@code first} runs per agent due at 0 and {@code second} more at {@code at}; returns the
   * outcome from {@code at} on when there is a second batch, else from 0.
   */
  private Outcome simulate(int agents, long seed, int first, long at, int second) {
    Random random = new Random(seed);
    List<TokenBucket> buckets = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      AdaptiveRate rate = new AdaptiveRate(20, AdaptiveRate.Tuning.defaults(), random::nextDouble);
      buckets.add(new TokenBucket("agent " + a, 20, rate, () -> now, nanos -> {}));
    }
    double accountTokens = 20;
    int[] left = new int[agents];
    Arrays.fill(left, first);
    // Per thread: when its call arrives at ECS, or its backoff ends.
    long[][] busyUntil = new long[agents][10];
    boolean[][] inFlight = new boolean[agents][10];
    boolean[][] retrying = new boolean[agents][10];
    int calls = 0;
    int throttled = 0;
    int launched = 0;
    long from = 0;
    int total = (first + second) * agents;
    for (now = 0; launched < total; now += MS) {
      if (now == at) {
        Arrays.fill(left, second);
        from = now;
        calls = 0;
        throttled = 0;
      }
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
    int counted = from == 0 ? launched : second * agents;
    return new Outcome(counted, calls, throttled, (now - from) / 1e9);
  }
}
