package io.github.prefectecs.agent.world;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * A loopback HTTP front for the ECS API in front of moto that runs every task started through it as
 * local processes, as ECS would run its containers. Point the agent's {@code AWS_ENDPOINT_URL_ECS}
 * (or an {@link EcsClient}, see {@link #client()}) at {@link #endpoint()}.
 *
 * <p>Every ECS JSON 1.1 call is forwarded to moto; the front then overlays what ECS would say for
 * the tasks it runs: RunTask starts a {@link LocalTask} per task (PROVISIONING), DescribeTasks
 * answers the real lifecycle, stop codes and exit codes (and {@code MISSING} for a brand-new task
 * within {@link RunnerSettings#missingWindow()}, and for ARNs moto does not know), StopTask sends
 * SIGTERM then SIGKILL after the container's stop timeout ({@code UserInitiated}), ListTasks
 * honours {@code desiredStatus}. moto's own task lifecycle is held still (manual progression).
 *
 * <p>Faults: {@link #onNextTaskOf} plans one for the next task of a flow run, {@link #inject}
 * applies one to a started task. Thread-safe. One per test class or demo; {@link #close()} kills
 * every process.
 */
public final class EcsFront implements AutoCloseable {
  static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
  private final MotoServer moto;
  private final MotoWire wire;
  private final RunnerSettings settings;
  private final CloudWatchLogsClient logs;
  private final TaskHost host;
  private final HttpServer server;
  private final ExecutorService httpThreads;
  private final ScheduledExecutorService scheduler;
  private final TaskBook book;

  private EcsFront(MotoServer moto, RunnerSettings settings) throws IOException {
    this.moto = moto;
    this.settings = settings;
    this.wire = new MotoWire(moto.endpoint());
    this.logs = moto.logs();
    this.scheduler = Executors.newScheduledThreadPool(2, daemon("ecs-front-lifecycle"));
    this.host = new TaskHost(settings, scheduler, logs, new Secrets(wire));
    this.book = new TaskBook(wire, host);
    this.httpThreads = Executors.newCachedThreadPool(daemon("ecs-front-http"));
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(httpThreads);
    long flush = settings.logFlush().toMillis();
    scheduler.scheduleWithFixedDelay(this::flushLogs, flush, flush, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a front for {@code moto} on a free loopback port and holds moto's own task lifecycle
   * still (its tasks stay RUNNING; the front says what ECS would).
   */
  public static EcsFront start(MotoServer moto, RunnerSettings settings)
      throws IOException, InterruptedException {
    Files.createDirectories(settings.workRoot());
    EcsFront front = new EcsFront(moto, settings);
    front.holdMotoLifecycle();
    front.server.start();
    return front;
  }

  /** {@code http://127.0.0.1:<port>}: the ECS endpoint for the agent. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** An ECS client for tests, pointed at the front, with moto's fake credentials. */
  public EcsClient client() {
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
        .endpointOverride(endpoint())
        .region(Region.of(settings.region()))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .build();
  }

  public RunnerSettings settings() {
    return settings;
  }

  /**
   * Plans {@code fault} for the next task started for flow run {@code runId} (its {@code
   * prefect:flow-run-id} tag, else its {@code startedBy}), striking {@code when}.
   */
  public void onNextTaskOf(String runId, Fault fault, Trigger when) {
    book.plan(runId, new Planned(fault, when));
  }

  /** Applies {@code fault} to a task now (or as its containers start, if they have not yet). */
  public void inject(String taskArn, Fault fault) {
    book.local(taskArn).inject(fault);
  }

  /** Every task the front has run, oldest first. */
  public List<TaskView> tasks() {
    return book.all().stream().map(LocalTask::view).toList();
  }

  /** The tasks of flow run {@code runId}, oldest first. */
  public List<TaskView> tasksOf(String runId) {
    return book.all().stream().filter(t -> runId.equals(t.runId())).map(LocalTask::view).toList();
  }

  public TaskView task(String taskArn) {
    return book.local(taskArn).view();
  }

  /**
   * When a DescribeTasks through the front first answered the task as STOPPED: from then on its
   * caller (the agent) knows the task has ended.
   */
  public java.util.Optional<java.time.Instant> firstDescribedStopped(String taskArn) {
    return book.firstDescribedStopped(taskArn);
  }

  /** Each line container {@code container} of the task printed so far, in order. */
  public List<String> output(String taskArn, String container) {
    return book.local(taskArn).output(container);
  }

  /**
   * Kills every task's processes and forgets the tasks and plans, and holds moto's lifecycle still
   * again; call after {@link MotoServer#reset()}.
   */
  public void reset() throws IOException, InterruptedException {
    book.all().forEach(LocalTask::kill);
    book.clear();
    holdMotoLifecycle();
  }

  private void holdMotoLifecycle() throws IOException, InterruptedException {
    moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
  }

  // ---- HTTP ----

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      MotoWire.Answer answer =
          wire.forward(exchange.getRequestURI().toString(), exchange.getRequestHeaders(), body);
      byte[] out = answer.body();
      if (target != null && target.startsWith(TARGET_PREFIX) && answer.status() / 100 == 2) {
        out =
            book.overlay(
                target.substring(TARGET_PREFIX.length()),
                body,
                answer.body(),
                exchange.getRequestHeaders());
      }
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        exchange.getResponseBody().write(out);
      }
    } catch (RuntimeException e) {
      System.err.println("ECS front: request failed: " + e);
      e.printStackTrace();
      byte[] error =
          MotoWire.JSON.writeValueAsBytes(
              MotoWire.JSON
                  .createObjectNode()
                  .put("__type", "ServerException")
                  .put("message", "ECS front: " + e));
      exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(500, error.length);
      exchange.getResponseBody().write(error);
    }
  }

  private void flushLogs() {
    for (LocalTask task : book.all()) {
      if (!task.view().stopped()) {
        task.flushLogs();
      }
    }
  }

  /** Kills every process, flushes their output and stops listening. */
  @Override
  public void close() {
    server.stop(0);
    List<LocalTask> tasks = book.all();
    tasks.forEach(LocalTask::kill);
    try {
      for (LocalTask task : tasks) {
        task.awaitProcesses(2_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tasks.forEach(LocalTask::flushLogs);
    scheduler.shutdownNow();
    httpThreads.shutdownNow();
    logs.close();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread thread = new Thread(r, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      thread.setUncaughtExceptionHandler(
          (t, e) -> System.err.println("ECS front: " + t.getName() + " failed: " + e));
      return thread;
    };
  }
}
