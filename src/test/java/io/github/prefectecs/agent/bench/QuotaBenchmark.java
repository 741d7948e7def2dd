package io.github.prefectecs.agent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.QuotaEcs;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.support.AdaptiveRate;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * 1, 2 and 3 agents in one process, 500 due runs each, against one quota-enforcing ECS ({@link
 * QuotaEcs}: the account's buckets at the published quotas, 20-50 ms per call), once with today's
 * fixed buckets (each agent sized to the whole quota) and once with the adaptive ones. Prints runs
 * per second together, RunTask calls per run and the share of RunTask calls throttled.
 *
 * <p>Each agent launches with {@code max_concurrent_launches} (10) threads like the agent's launch
 * pool. Its RunTask goes through an emulation of the SDK's STANDARD retries (3 attempts, throttling
 * backoff base 1 s with full jitter) that, in the adaptive case, does what the agent's {@code
 * ThrottleInterceptor} does on a real SDK client: reports each throttled attempt to the buckets and
 * takes a token for each retry. A launch still throttled after the retries waits like the agent's
 * launch runner (2 s doubling to 15 s, half jitter) and is tried again.
 *
 * <p>Time is compressed by a speed-up factor (default 5: quotas × 5, latencies, waits and the
 * buckets' hold period ÷ 5); printed rates are in real seconds.
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.QuotaBenchmark [-Dexec.args="500 5"]}; the
 * arguments are runs per agent, speed-up, the first agent count (1-3) and {@code breakdown} to
 * print where the adaptive rounds' throttled calls came from ({@link ThrottleBreakdown}). {@code
 * -Dbench.tuning=floor,decrease,jitter,cubic,plateau,start,holdMillis} replaces the default {@code
 * AdaptiveRate.Tuning}. {@code -Dbench.queue=shared} puts every run in one queue that all agents
 * take from (agents polling one Prefect queue) instead of giving each agent its own share.
 */
public final class QuotaBenchmark {
  private static final int THREADS = 10;
  private static final boolean SHARED_QUEUE = "shared".equals(System.getProperty("bench.queue"));
  static final String[] CONFIGS = {
    "{\"type\":\"ECSRun\",\"image\":\"repo/etl:1\"}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/report:2\",\"cpu\":512,\"memory\":1024}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/ml:3\",\"env\":{\"MODEL\":\"big\"}}"
  };

  private QuotaBenchmark() {}

  public static void main(String[] args) throws Exception {
    int perAgent = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    double speedup = args.length > 1 ? Double.parseDouble(args[1]) : 5;
    List<String> lines = new ArrayList<>();
    int from = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    boolean breakdown = args.length > 3 && args[3].equals("breakdown");
    for (int agents = from; agents <= 3; agents++) {
      Result fixed = run(agents, perAgent, speedup, false, null);
      ThrottleBreakdown why = breakdown ? new ThrottleBreakdown() : null;
      Result adaptive = run(agents, perAgent, speedup, true, why);
      if (why != null) {
        why.print(adaptive.ecs(), speedup, adaptive.seconds());
      }
      lines.add(fixed.line("fixed"));
      lines.add(adaptive.line("adaptive"));
      lines.add(
          String.format(
              "%-6d %-9s %28s runs/s x%.2f, calls/run x%.2f, throttled share %.3f -> %.3f",
              agents,
              "adaptive/fixed",
              "",
              adaptive.perSecond() / fixed.perSecond(),
              adaptive.callsPerRun() / fixed.callsPerRun(),
              fixed.throttledShare(),
              adaptive.throttledShare()));
    }
    System.out.printf(
        "Quota benchmark: %d runs per agent, %d launch threads per agent, one account's ECS quotas"
            + " (Fargate RunTask 20/s, burst 20), 20-50 ms per call (time compressed x%.0f, rates"
            + " in real seconds)%n",
        perAgent, THREADS, speedup);
    System.out.printf(
        "%-6s %-9s %6s %8s %6s %6s %9s %9s %9s %9s %9s%n",
        "agents",
        "buckets",
        "runs",
        "launched",
        "failed",
        "dupes",
        "runs/s",
        "calls/run",
        "throttled",
        "seconds",
        "thr<5s");
    lines.forEach(System.out::println);
  }

  record Result(
      int agents,
      int runs,
      int launched,
      int failed,
      int duplicates,
      QuotaEcs ecs,
      long nanos,
      double speedup) {
    double seconds() {
      return nanos / 1e9 * speedup;
    }

    double perSecond() {
      return launched / seconds();
    }

    double callsPerRun() {
      return (double) ecs.total().calls("RunTask") / runs;
    }

    double throttledShare() {
      int calls = ecs.total().calls("RunTask");
      return calls == 0 ? 0 : (double) ecs.total().throttled("RunTask") / calls;
    }

    String line(String buckets) {
      return String.format(
          "%-6d %-9s %6d %8d %6d %6d %9.2f %9.3f %9.3f %9.1f %9d",
          agents,
          buckets,
          runs,
          launched,
          failed,
          duplicates,
          perSecond(),
          callsPerRun(),
          throttledShare(),
          seconds(),
          ecs.runTaskThrottledWithin(5));
    }
  }

  private static Result run(
      int agents, int perAgent, double speedup, boolean adaptive, ThrottleBreakdown why)
      throws Exception {
    QuotaEcs ecs = new QuotaEcs(speedup);
    AgentConfig config = config();
    List<ExecutorService> pools = new ArrayList<>();
    List<Future<Integer>> futures = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    List<EcsLauncher> launchers = new ArrayList<>();
    List<EcsRateLimits> limits = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      EcsRateLimits l = adaptive ? EcsRateLimits.adaptive(null, tuning(), speedup) : fixed(speedup);
      QuotaEcs.Counts counts = new QuotaEcs.Counts();
      SdkRetries client = new SdkRetries(ecs.client(counts), l, speedup);
      if (why != null) {
        why.agent(counts, client, l.fargateRunTask());
      }
      EcsLauncher launcher = new EcsLauncher(config, null, client, null, Clock.systemUTC(), l);
      launcher.start();
      launchers.add(launcher);
      limits.add(l);
    }
    ObjectMapper mapper = new ObjectMapper();
    if (why != null) {
      why.start(speedup);
    }
    List<FlowRun> runs = new ArrayList<>();
    for (int n = 0; n < agents * perAgent; n++) {
      runs.add(
          new FlowRun(
              String.format("00000000-0000-4000-8000-%012d", n),
              1,
              "Scheduled",
              null,
              null,
              null,
              mapper.readTree(CONFIGS[n % 3]),
              "run",
              new Flow("flow-" + n % 3, "Flow " + n % 3, null, null, 1, "0.15.13"),
              List.of()));
    }
    // Own: each agent launches its own share. Shared: the runs wait in one queue that every
    // agent's launch threads take from, as agents polling one Prefect queue do.
    Queue<FlowRun> queue = SHARED_QUEUE ? new ConcurrentLinkedQueue<>(runs) : null;
    long start = System.nanoTime();
    for (int a = 0; a < agents; a++) {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      pools.add(pool);
      EcsLauncher launcher = launchers.get(a);
      if (queue != null) {
        for (int t = 0; t < THREADS; t++) {
          futures.add(
              pool.submit(
                  () -> {
                    int done = 0;
                    for (FlowRun run = queue.poll(); run != null; run = queue.poll()) {
                      done += launch(launcher, run, speedup, failed, why) ? 1 : 0;
                    }
                    return done;
                  }));
        }
      } else {
        for (FlowRun run : runs.subList(a * perAgent, (a + 1) * perAgent)) {
          futures.add(pool.submit(() -> launch(launcher, run, speedup, failed, why) ? 1 : 0));
        }
      }
    }
    int launched = 0;
    for (Future<Integer> f : futures) {
      launched += f.get();
    }
    long nanos = System.nanoTime() - start;
    if (why != null) {
      why.stop();
    }
    pools.forEach(ExecutorService::shutdownNow);
    List<Task> tasks = ecs.backend().tasks();
    Set<String> startedBy = new HashSet<>();
    int duplicates = 0;
    for (Task task : tasks) {
      duplicates += startedBy.add(task.startedBy()) ? 0 : 1;
    }
    return new Result(
        agents, agents * perAgent, launched, failed.get(), duplicates, ecs, nanos, speedup);
  }

  static boolean launch(
      EcsLauncher launcher,
      FlowRun run,
      double speedup,
      AtomicInteger failed,
      ThrottleBreakdown why) {
    int throttles = 0;
    for (int attempt = 1; attempt <= 3; ) {
      LaunchResult result = launcher.launch(run, attempt);
      if (result instanceof LaunchResult.Launched) {
        return true;
      }
      if (result instanceof LaunchResult.Retryable r) {
        if (r.throttled()) {
          if (why != null) {
            why.relaunches.incrementAndGet();
          }
          // As the launch runner: 2 s doubling up to the suggested 15 s, half of it random.
          double max = Math.min(15, 2 * Math.pow(2, Math.min(throttles++, 4)));
          sleep(
              (long) (max * 1e9 * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble())), speedup);
        } else {
          attempt++;
          sleep(r.retryAfter().toNanos(), speedup);
        }
        continue;
      }
      break;
    }
    failed.incrementAndGet();
    return false;
  }

  static AgentConfig config() {
    io.github.prefectecs.agent.config.EcsSettings ecs =
        EcsSettings.builder()
            .cluster("bench")
            .strategy(io.github.prefectecs.agent.config.EcsSettings.DEFAULT_STRATEGY)
            .network(List.of("subnet-1"), List.of("sg-1"), null)
            .build();
    return new AgentConfig(
        "bench",
        List.of(),
        new io.github.prefectecs.agent.config.PrefectConnection(
            io.github.prefectecs.agent.config.Backend.SERVER,
            java.net.URI.create("http://localhost:4200"),
            io.github.prefectecs.agent.config.Secret.empty(),
            null,
            io.github.prefectecs.agent.config.Secret.empty(),
            null,
            Duration.ofSeconds(15)),
        new io.github.prefectecs.agent.config.FlowDefaults(java.util.Map.of(), true, "INFO"),
        ecs,
        io.github.prefectecs.agent.config.SupervisionSettings.defaults(),
        io.github.prefectecs.agent.config.LogSettings.defaults(),
        io.github.prefectecs.agent.config.CostSettings.defaults(),
        new io.github.prefectecs.agent.config.Operations(null, "INFO", false, null, THREADS),
        null);
  }

  /** The agent's default tuning, or one given as {@code -Dbench.tuning=floor,decrease,...}. */
  static AdaptiveRate.Tuning tuning() {
    String given = System.getProperty("bench.tuning");
    if (given == null) {
      return AdaptiveRate.Tuning.defaults();
    }
    String[] v = given.split(",");
    return new AdaptiveRate.Tuning(
        Double.parseDouble(v[0]),
        Double.parseDouble(v[1]),
        Double.parseDouble(v[2]),
        Double.parseDouble(v[3]),
        Double.parseDouble(v[4]),
        Double.parseDouble(v[5]),
        Duration.ofMillis(Long.parseLong(v[6])));
  }

  private static EcsRateLimits fixed(double speedup) {
    return new EcsRateLimits(
        TokenBucket.system("RunTask", 100, 40 * speedup),
        TokenBucket.system("RunTask Fargate", 20, 20 * speedup),
        TokenBucket.system("TaskDefinition modify", 20, 1 * speedup),
        TokenBucket.system("Cluster read", 100, 20 * speedup),
        TokenBucket.system("TaskDefinition read", 50, 20 * speedup));
  }

  static void sleep(long nanos, double speedup) {
    try {
      long scaled = (long) (nanos / speedup);
      Thread.sleep(scaled / 1_000_000, (int) (scaled % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
