package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.ecs.QuotaEcs;
import io.github.prefectecs.agent.support.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where one benchmark round's throttled RunTask calls come from: per agent and per real second,
 * each agent's Fargate RunTask rate sampled every second, which attempt of a call (first or SDK
 * retry) was throttled, and how many launches the launch runner retried after throttling.
 *
 * <p>Thread-safe for the recording calls; {@link #print} after the round.
 */
final class ThrottleBreakdown {
  private final List<QuotaEcs.Counts> counts = new ArrayList<>();
  private final List<SdkRetries> clients = new ArrayList<>();
  private final List<TokenBucket> buckets = new ArrayList<>();
  private final List<List<Double>> rates = new ArrayList<>();
  final AtomicInteger relaunches = new AtomicInteger();
  private ScheduledExecutorService sampler;

  synchronized void agent(QuotaEcs.Counts c, SdkRetries client, TokenBucket fargate) {
    counts.add(c);
    clients.add(client);
    buckets.add(fargate);
    rates.add(new ArrayList<>());
  }

  /** Samples every agent's rate once per real second until {@link #stop}. */
  void start(double speedup) {
    sampler = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "bench-rate-sampler"));
    long period = (long) (1e9 / speedup);
    sampler.scheduleAtFixedRate(this::sample, 0, period, TimeUnit.NANOSECONDS);
  }

  void stop() {
    sampler.shutdownNow();
  }

  private synchronized void sample() {
    for (int a = 0; a < buckets.size(); a++) {
      rates.get(a).add(buckets.get(a).rate());
    }
  }

  synchronized void print(QuotaEcs ecs, double speedup, double seconds) {
    int secs = (int) Math.ceil(seconds);
    System.out.printf(
        "Breakdown (%d agents): throttled RunTask calls per real second, per agent; [rate]%n",
        counts.size());
    for (int a = 0; a < counts.size(); a++) {
      int[] perSecond = new int[secs + 1];
      for (long t : counts.get(a).runTaskThrottledAt()) {
        int s = (int) Math.min(secs, (t - ecs.created()) / 1e9 * speedup);
        perSecond[s]++;
      }
      StringBuilder line = new StringBuilder("  agent " + (a + 1) + ":");
      for (int s = 0; s <= secs; s++) {
        List<Double> r = rates.get(a);
        String rate = s < r.size() ? String.format("%.1f", r.get(s) / speedup) : "-";
        line.append(String.format(" %d[%s]", perSecond[s], rate));
      }
      System.out.println(line);
    }
    int[] attempts = new int[4];
    int[] throttled = new int[4];
    for (SdkRetries c : clients) {
      for (int i = 1; i < 4; i++) {
        attempts[i] += c.attempts.get(i);
        throttled[i] += c.throttled.get(i);
      }
    }
    System.out.printf(
        "  attempts (throttled): first %d (%d), SDK retry 1: %d (%d), SDK retry 2: %d (%d);"
            + " launch runner retries after throttling: %d%n",
        attempts[1],
        throttled[1],
        attempts[2],
        throttled[2],
        attempts[3],
        throttled[3],
        relaunches.get());
  }
}
