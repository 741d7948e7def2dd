package io.github.prefectecs.agent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.FakeEcsClient;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.support.TokenBucket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTasksRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsRequest;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse;
import software.amazon.awssdk.services.ecs.model.ListTasksRequest;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;

/**
 * Launches N runs of 3 run configs from 16 threads against a fake ECS that throttles at the
 * published quotas and answers after 20-50 ms, once with {@link EcsLauncher} and once with the
 * reference agent's register-run-deregister pattern, and prints calls per run and throughput.
 *
 * <p>Time is compressed by a speed-up factor (default 50: quotas × 50, latencies ÷ 50) so the
 * baseline finishes in about a minute; the printed rates are converted back to real seconds.
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.LaunchBenchmark [-Dexec.args="1000 50"]}
 */
public final class LaunchBenchmark {
  private static final int THREADS = 16;
  private static final String[] CONFIGS = {
    "{\"type\":\"ECSRun\",\"image\":\"repo/etl:1\"}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/report:2\",\"cpu\":512,\"memory\":1024}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/ml:3\",\"env\":{\"MODEL\":\"big\"}}"
  };

  private LaunchBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double speedup = args.length > 1 ? Double.parseDouble(args[1]) : 50;
    Result ours = ours(runs, speedup);
    Result baseline = baseline(runs, speedup, false);
    Result retried = baseline(runs, speedup, true);
    System.out.printf(
        "Launch benchmark: %d runs, 3 run configs, %d threads, 20-50 ms per ECS call,"
            + " ECS quotas enforced (time compressed x%.0f, rates shown in real seconds)%n",
        runs, THREADS, speedup);
    System.out.printf(
        "%-30s %10s %10s %10s %10s %10s%n",
        "", "ours", "reference", "ref+retry", "ours/ref", "ours/ref+r");
    row(
        "ECS calls per run (accepted)",
        ours.callsPerRun(),
        baseline.callsPerRun(),
        retried.callsPerRun());
    row(
        "ECS calls throttled per run",
        ours.throttledPerRun(),
        baseline.throttledPerRun(),
        retried.throttledPerRun());
    row(
        "registrations per run",
        ours.registrationsPerRun(),
        baseline.registrationsPerRun(),
        retried.registrationsPerRun());
    row("runs launched", ours.launched, baseline.launched, retried.launched);
    row("runs failed (throttled)", ours.failed, baseline.failed, retried.failed);
    row(
        "runs launched per second",
        ours.perSecond(speedup),
        baseline.perSecond(speedup),
        retried.perSecond(speedup));
  }

  private static void row(String label, double ours, double baseline, double retried) {
    System.out.printf(
        "%-30s %10.3f %10.3f %10.3f %10s %10s%n",
        label, ours, baseline, retried, ratio(ours, baseline), ratio(ours, retried));
  }

  private static String ratio(double ours, double other) {
    return other == 0 ? "-" : String.format("%.3f", ours / other);
  }

  record Result(int runs, int launched, int failed, ThrottledEcs ecs, long nanos) {
    double callsPerRun() {
      return (double) ecs.accepted.get() / runs;
    }

    double throttledPerRun() {
      return (double) ecs.throttled.get() / runs;
    }

    double registrationsPerRun() {
      return (double) ecs.fake.count("RegisterTaskDefinition") / runs;
    }

    double perSecond(double speedup) {
      return launched / (nanos / 1e9 * speedup);
    }
  }

  private static Result ours(int runs, double speedup) throws Exception {
    ThrottledEcs ecs = new ThrottledEcs(speedup);
    EcsRateLimits limits =
        new EcsRateLimits(
            TokenBucket.system("RunTask", 100, 40 * speedup),
            TokenBucket.system("RunTask Fargate", 20, 20 * speedup),
            TokenBucket.system("TaskDefinition modify", 20, 1 * speedup),
            TokenBucket.system("Cluster read", 100, 20 * speedup),
            TokenBucket.system("TaskDefinition read", 50, 20 * speedup));
    EcsLauncher launcher = new EcsLauncher(config(), null, ecs, null, Clock.systemUTC(), limits);
    launcher.start();
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    int launched =
        runAll(
            runs,
            run -> {
              for (int attempt = 1; attempt <= 20; attempt++) {
                LaunchResult result = launcher.launch(run, attempt);
                if (result instanceof LaunchResult.Launched) {
                  return true;
                }
                if (result instanceof LaunchResult.Retryable r) {
                  sleepScaled(r.retryAfter().toNanos(), speedup);
                  continue;
                }
                throw new IllegalStateException(result.toString());
              }
              failed.incrementAndGet();
              return false;
            });
    return new Result(runs, launched, failed.get(), ecs, System.nanoTime() - start);
  }

  /**
   * The reference pattern; with {@code retryFailed} a run whose calls were throttled out is tried
   * again after 15 s (as our agent retries a Retryable launch) instead of being marked Failed.
   */
  private static Result baseline(int runs, double speedup, boolean retryFailed) throws Exception {
    ThrottledEcs ecs = new ThrottledEcs(speedup);
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    int launched =
        runAll(
            runs,
            run -> {
              while (true) {
                try {
                  referenceDeploy(ecs, run, speedup);
                  return true;
                } catch (EcsException e) {
                  if (!retryFailed) {
                    // The reference agent marks the run Failed when a call outlasts retries.
                    failed.incrementAndGet();
                    return false;
                  }
                  sleepScaled(Duration.ofSeconds(15).toNanos(), speedup);
                }
              }
            });
    return new Result(runs, launched, failed.get(), ecs, System.nanoTime() - start);
  }

  /** The reference agent's deploy_flow: register a new family, run, deregister. */
  private static void referenceDeploy(EcsClient ecs, FlowRun run, double speedup) {
    String family = "prefect-" + run.flow().name() + "-" + run.id();
    RegisterTaskDefinitionRequest register =
        RegisterTaskDefinitionRequest.builder()
            .family(family)
            .networkMode("awsvpc")
            .cpu("1024")
            .memory("2048")
            .requiresCompatibilitiesWithStrings("FARGATE")
            .containerDefinitions(ContainerDefinition.builder().name("flow").image("img").build())
            .build();
    String arn =
        withRetries(
            () -> ecs.registerTaskDefinition(register).taskDefinition().taskDefinitionArn(),
            speedup);
    withRetries(
        () ->
            ecs.runTask(
                RunTaskRequest.builder()
                    .taskDefinition(arn)
                    .launchType(LaunchType.FARGATE)
                    .startedBy(run.id())
                    .build()),
        speedup);
    withRetries(() -> ecs.deregisterTaskDefinition(r -> r.taskDefinition(arn)), speedup);
  }

  /** botocore "standard" retries: 3 attempts, throttling backoff base 1 s with full jitter. */
  private static <T> T withRetries(java.util.function.Supplier<T> call, double speedup) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (EcsException e) {
        if (attempt >= 3) {
          throw e;
        }
        long max = Duration.ofSeconds(1L << (attempt - 1)).toNanos();
        sleepScaled(ThreadLocalRandom.current().nextLong(max), speedup);
      }
    }
  }

  private interface Launch {
    boolean launch(FlowRun run) throws Exception;
  }

  private static int runAll(int runs, Launch launch) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      ObjectMapper mapper = new ObjectMapper();
      for (int i = 0; i < runs; i++) {
        FlowRun run =
            new FlowRun(
                String.format("00000000-0000-4000-8000-%012d", i),
                1,
                "Scheduled",
                null,
                null,
                null,
                mapper.readTree(CONFIGS[i % 3]),
                "run",
                new Flow("flow-" + i % 3, "Flow " + i % 3, null, null, 1, "0.15.13"),
                List.of());
        futures.add(pool.submit(() -> launch.launch(run)));
      }
      int launched = 0;
      for (Future<Boolean> f : futures) {
        launched += f.get() ? 1 : 0;
      }
      return launched;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void sleepScaled(long nanos, double speedup) {
    try {
      long scaled = (long) (nanos / speedup);
      Thread.sleep(scaled / 1_000_000, (int) (scaled % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static AgentConfig config() {
    EcsSettings ecs =
        EcsSettings.builder()
            .cluster("bench")
            .network(List.of("subnet-1"), List.of("sg-1"), null)
            .build();
    return new AgentConfig(
        "bench",
        List.of(),
        new io.github.prefectecs.agent.config.PrefectConnection(
            Backend.SERVER,
            URI.create("http://localhost:4200"),
            Secret.empty(),
            null,
            Secret.empty(),
            null,
            Duration.ofSeconds(15)),
        new io.github.prefectecs.agent.config.FlowDefaults(Map.of(), true, "INFO"),
        ecs,
        io.github.prefectecs.agent.config.SupervisionSettings.defaults(),
        io.github.prefectecs.agent.config.LogSettings.defaults(),
        io.github.prefectecs.agent.config.CostSettings.defaults(),
        new io.github.prefectecs.agent.config.Operations(null, "INFO", false, null, THREADS),
        null);
  }

  /** A fake ECS that throttles at the published quotas (server side) and answers slowly. */
  static final class ThrottledEcs implements EcsClient {
    final FakeEcsClient fake = new FakeEcsClient();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger throttled = new AtomicInteger();
    private final double speedup;
    private final TokenBucket runTask;
    private final TokenBucket fargate;
    private final TokenBucket definitionModify;
    private final TokenBucket clusterRead;
    private final TokenBucket definitionRead;

    ThrottledEcs(double speedup) {
      this.speedup = speedup;
      this.runTask = TokenBucket.system("RunTask", 100, 40 * speedup);
      this.fargate = TokenBucket.system("Fargate RunTask", 20, 20 * speedup);
      this.definitionModify = TokenBucket.system("TaskDefinition modify", 20, 1 * speedup);
      this.clusterRead = TokenBucket.system("Cluster read", 100, 20 * speedup);
      this.definitionRead = TokenBucket.system("TaskDefinition read", 50, 20 * speedup);
    }

    private void enter(TokenBucket... buckets) {
      sleepScaled(
          Duration.ofMillis(ThreadLocalRandom.current().nextLong(20, 51)).toNanos(), speedup);
      for (TokenBucket bucket : buckets) {
        if (!bucket.tryAcquire()) {
          throttled.incrementAndGet();
          throw (EcsException)
              EcsException.builder()
                  .statusCode(400)
                  .message("Rate exceeded")
                  .awsErrorDetails(
                      AwsErrorDetails.builder()
                          .errorCode("ThrottlingException")
                          .errorMessage("Rate exceeded")
                          .build())
                  .build();
        }
      }
      accepted.incrementAndGet();
    }

    @Override
    public RunTaskResponse runTask(RunTaskRequest request) {
      enter(runTask, fargate);
      return fake.runTask(request);
    }

    @Override
    public RegisterTaskDefinitionResponse registerTaskDefinition(
        RegisterTaskDefinitionRequest request) {
      enter(definitionModify);
      return fake.registerTaskDefinition(request);
    }

    @Override
    public DeregisterTaskDefinitionResponse deregisterTaskDefinition(
        DeregisterTaskDefinitionRequest request) {
      enter(definitionModify);
      return fake.deregisterTaskDefinition(request);
    }

    @Override
    public DescribeTaskDefinitionResponse describeTaskDefinition(
        DescribeTaskDefinitionRequest request) {
      enter(definitionRead);
      return fake.describeTaskDefinition(request);
    }

    @Override
    public ListTaskDefinitionsResponse listTaskDefinitions(ListTaskDefinitionsRequest request) {
      enter(definitionRead);
      return fake.listTaskDefinitions(request);
    }

    @Override
    public ListTasksResponse listTasks(ListTasksRequest request) {
      enter(clusterRead);
      return fake.listTasks(request);
    }

    @Override
    public DescribeTasksResponse describeTasks(DescribeTasksRequest request) {
      enter(clusterRead);
      return fake.describeTasks(request);
    }

    @Override
    public String serviceName() {
      return "ecs";
    }

    @Override
    public void close() {}
  }
}
