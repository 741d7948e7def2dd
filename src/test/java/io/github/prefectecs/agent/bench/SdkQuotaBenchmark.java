package io.github.prefectecs.agent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * {@link QuotaBenchmark} through the real SDK path, in real time: each agent's ECS client is built
 * by {@link AwsClients#ecs(AgentConfig, EcsRateLimits)} (STANDARD retries, the throttle
 * interceptor) and talks HTTP to a loopback ECS that enforces one account's RunTask quotas (Fargate
 * RunTask 20/s burst 20; RunTask 40/s burst 100) with ThrottlingException, 20-50 ms per call.
 * Today's fixed buckets use the plain client ({@link AwsClients#ecs(AgentConfig)}) and {@link
 * EcsRateLimits#ecsQuotas()}.
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.SdkQuotaBenchmark [-Dexec.args="300"]} with
 * {@code AWS_ENDPOINT_URL=http://127.0.0.1:<a free port>} (the loopback ECS listens there)
 */
public final class SdkQuotaBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SdkQuotaBenchmark() {}

  public static void main(String[] args) throws Exception {
    int perAgent = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int from = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    // The SDK's default chain reads these (the agent's own AWS settings are left unset).
    System.setProperty("aws.region", "us-east-1");
    System.setProperty("aws.accessKeyId", "AKIDBENCH");
    System.setProperty("aws.secretAccessKey", "bench-secret");
    List<String> lines = new ArrayList<>();
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    if (endpoint == null || !endpoint.startsWith("http://127.0.0.1:")) {
      System.err.println(
          "Set AWS_ENDPOINT_URL=http://127.0.0.1:<free port>: the agent's clients find ECS there");
      System.exit(2);
    }
    int port = java.net.URI.create(endpoint).getPort();
    try (Account account = new Account(port)) {
      for (int agents = from; agents <= 3; agents++) {
        for (boolean adaptive : new boolean[] {false, true}) {
          account.reset();
          long start = System.nanoTime();
          int[] outcome = run(agents, perAgent, adaptive);
          double seconds = (System.nanoTime() - start) / 1e9;
          int calls = account.accepted.get() + account.throttled.get();
          lines.add(
              String.format(
                  "%-6d %-9s %6d %8d %6d %6d %9.2f %9.3f %9.3f %9.1f",
                  agents,
                  adaptive ? "adaptive" : "fixed",
                  agents * perAgent,
                  outcome[0],
                  outcome[1],
                  account.accepted.get() - account.startedBy.size(),
                  outcome[0] / seconds,
                  (double) calls / (agents * perAgent),
                  (double) account.throttled.get() / calls,
                  seconds));
        }
      }
    }
    System.out.printf(
        "SDK quota benchmark: real SDK clients (STANDARD retries) over HTTP, %d runs per agent,"
            + " Fargate RunTask 20/s burst 20, 20-50 ms per call, real time%n",
        perAgent);
    System.out.printf(
        "%-6s %-9s %6s %8s %6s %6s %9s %9s %9s %9s%n",
        "agents",
        "buckets",
        "runs",
        "launched",
        "failed",
        "dupes",
        "runs/s",
        "calls/run",
        "throttled",
        "seconds");
    lines.forEach(System.out::println);
  }

  private static int[] run(int agents, int perAgent, boolean adaptive) throws Exception {
    AgentConfig config = QuotaBenchmark.config();
    List<EcsLauncher> launchers = new ArrayList<>();
    List<EcsClient> clients = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      EcsRateLimits limits = adaptive ? EcsRateLimits.adaptive(null) : EcsRateLimits.ecsQuotas();
      EcsClient client = adaptive ? AwsClients.ecs(config, limits) : AwsClients.ecs(config);
      clients.add(client);
      EcsLauncher launcher = new EcsLauncher(config, null, client, null, Clock.systemUTC(), limits);
      launcher.start();
      launchers.add(launcher);
    }
    AtomicInteger failed = new AtomicInteger();
    List<ExecutorService> pools = new ArrayList<>();
    List<Future<Boolean>> futures = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      ExecutorService pool = Executors.newFixedThreadPool(10);
      pools.add(pool);
      EcsLauncher launcher = launchers.get(a);
      for (int i = 0; i < perAgent; i++) {
        int n = a * perAgent + i;
        FlowRun run =
            new FlowRun(
                String.format("00000000-0000-4000-8000-%012d", n),
                1,
                "Scheduled",
                null,
                null,
                null,
                JSON.readTree(QuotaBenchmark.CONFIGS[n % 3]),
                "run",
                new Flow("flow-" + n % 3, "Flow " + n % 3, null, null, 1, "0.15.13"),
                List.of());
        futures.add(
            pool.submit(
                () -> {
                  try {
                    return QuotaBenchmark.launch(launcher, run, 1, failed, null);
                  } catch (RuntimeException e) {
                    e.printStackTrace();
                    failed.incrementAndGet();
                    return false;
                  }
                }));
      }
    }
    int launched = 0;
    for (Future<Boolean> f : futures) {
      launched += f.get() ? 1 : 0;
    }
    pools.forEach(ExecutorService::shutdownNow);
    clients.forEach(EcsClient::close);
    return new int[] {launched, failed.get()};
  }

  /** One account's ECS over HTTP: RunTask quotas enforced, other calls answered minimally. */
  private static final class Account implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private volatile Bucket runTask = new Bucket(100, 40);
    private volatile Bucket fargate = new Bucket(20, 20);
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger throttled = new AtomicInteger();
    final Set<String> startedBy = ConcurrentHashMap.newKeySet();

    Account(int port) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
      server.setExecutor(handlers);
      server.createContext("/", this::handle);
      server.start();
    }

    /** A new round: full account buckets, counters at zero. */
    void reset() {
      runTask = new Bucket(100, 40);
      fargate = new Bucket(20, 20);
      accepted.set(0);
      throttled.set(0);
      startedBy.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
      JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String action = target == null ? "" : target.substring(target.indexOf('.') + 1);
      try {
        Thread.sleep(ThreadLocalRandom.current().nextLong(20, 51));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      switch (action) {
        case "RunTask" -> {
          if (!runTask.take() || !fargate.take()) {
            throttled.incrementAndGet();
            answer(
                exchange,
                400,
                "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
            return;
          }
          accepted.incrementAndGet();
          String by = request.path("startedBy").asText();
          startedBy.add(by);
          answer(
              exchange,
              200,
              "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:123456789012:task/bench/"
                  + java.util.UUID.randomUUID()
                  + "\",\"lastStatus\":\"PROVISIONING\",\"startedBy\":\""
                  + by
                  + "\"}],\"failures\":[]}");
        }
        case "RegisterTaskDefinition" -> {
          String family = request.path("family").asText();
          answer(
              exchange,
              200,
              "{\"taskDefinition\":{\"taskDefinitionArn\":"
                  + "\"arn:aws:ecs:us-east-1:123456789012:task-definition/"
                  + family
                  + ":1\",\"family\":\""
                  + family
                  + "\",\"revision\":1}}");
        }
        case "DescribeTaskDefinition" ->
            // As ECS for a family never registered; the launcher then registers it.
            answer(
                exchange,
                400,
                "{\"__type\":\"ClientException\","
                    + "\"message\":\"Unable to describe task definition.\"}");
        default -> answer(exchange, 200, "{}");
      }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
      handlers.shutdownNow();
    }
  }

  /** An account-wide token bucket. */
  private static final class Bucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last = System.nanoTime();

    Bucket(double capacity, double perSecond) {
      this.capacity = capacity;
      this.perNano = perSecond / 1e9;
      this.tokens = capacity;
    }

    synchronized boolean take() {
      long now = System.nanoTime();
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
