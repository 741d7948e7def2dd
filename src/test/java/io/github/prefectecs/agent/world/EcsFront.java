package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
  private final MotoServer moto;
  private final MotoWire wire;
  private final RunnerSettings settings;
  private final CloudWatchLogsClient logs;
  private final TaskHost host;
  private final HttpServer server;
  private final ExecutorService httpThreads;
  private final ScheduledExecutorService scheduler;
  private final Map<String, LocalTask> tasks = new ConcurrentHashMap<>();
  private final List<LocalTask> order = new CopyOnWriteArrayList<>();
  private final Map<String, List<Planned>> plans = new ConcurrentHashMap<>();
  private final Map<String, java.time.Instant> seenStopped = new ConcurrentHashMap<>();

  private EcsFront(MotoServer moto, RunnerSettings settings) throws IOException {
    this.moto = moto;
    this.settings = settings;
    this.wire = new MotoWire(moto.endpoint());
    this.logs = moto.logs();
    this.scheduler = Executors.newScheduledThreadPool(2, daemon("ecs-front-lifecycle"));
    this.host = new TaskHost(settings, scheduler, logs, new Secrets(wire));
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
    plans.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>()).add(new Planned(fault, when));
  }

  /** Applies {@code fault} to a task now (or as its containers start, if they have not yet). */
  public void inject(String taskArn, Fault fault) {
    local(taskArn).inject(fault);
  }

  /** Every task the front has run, oldest first. */
  public List<TaskView> tasks() {
    return order.stream().map(LocalTask::view).toList();
  }

  /** The tasks of flow run {@code runId}, oldest first. */
  public List<TaskView> tasksOf(String runId) {
    return order.stream().filter(t -> runId.equals(t.runId())).map(LocalTask::view).toList();
  }

  public TaskView task(String taskArn) {
    return local(taskArn).view();
  }

  /**
   * When a DescribeTasks through the front first answered the task as STOPPED: from then on its
   * caller (the agent) knows the task has ended.
   */
  public java.util.Optional<java.time.Instant> firstDescribedStopped(String taskArn) {
    return java.util.Optional.ofNullable(seenStopped.get(local(taskArn).arn()));
  }

  /** Each line container {@code container} of the task printed so far, in order. */
  public List<String> output(String taskArn, String container) {
    return local(taskArn).output(container);
  }

  /**
   * Kills every task's processes and forgets the tasks and plans, and holds moto's lifecycle still
   * again; call after {@link MotoServer#reset()}.
   */
  public void reset() throws IOException, InterruptedException {
    order.forEach(LocalTask::kill);
    tasks.clear();
    order.clear();
    plans.clear();
    seenStopped.clear();
    holdMotoLifecycle();
  }

  private void holdMotoLifecycle() throws IOException, InterruptedException {
    moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
  }

  private LocalTask local(String taskArn) {
    LocalTask task = tasks.get(taskArn);
    if (task == null) {
      task = order.stream().filter(t -> t.arn().endsWith("/" + taskArn)).findFirst().orElse(null);
    }
    if (task == null) {
      throw new IllegalArgumentException("the ECS front runs no task " + taskArn);
    }
    return task;
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
            overlay(
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
          ("{\"__type\":\"ServerException\",\"message\":\"ECS front: " + e + "\"}").getBytes();
      exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(500, error.length);
      exchange.getResponseBody().write(error);
    }
  }

  private byte[] overlay(
      String operation, byte[] requestBody, byte[] answerBody, Map<String, List<String>> headers)
      throws IOException {
    ObjectNode request = (ObjectNode) MotoWire.JSON.readTree(requestBody);
    ObjectNode answer = (ObjectNode) MotoWire.JSON.readTree(answerBody);
    switch (operation) {
      case "RunTask" -> runTask(request, answer);
      case "DescribeTasks" -> describeTasks(request, answer);
      case "StopTask" -> stopTask(request, answer);
      case "ListTasks" -> listTasks(request, answer, headers);
      default -> {
        return answerBody;
      }
    }
    return MotoWire.JSON.writeValueAsBytes(answer);
  }

  private void runTask(ObjectNode request, ObjectNode answer) throws IOException {
    for (JsonNode node : answer.path("tasks")) {
      ObjectNode task = (ObjectNode) node;
      String arn = task.path("taskArn").asText();
      JsonNode definition;
      try {
        definition =
            wire.call(
                    "ecs",
                    TARGET_PREFIX + "DescribeTaskDefinition",
                    MotoWire.JSON
                        .createObjectNode()
                        .put("taskDefinition", task.path("taskDefinitionArn").asText()))
                .path("taskDefinition");
      } catch (MotoWire.CallException e) {
        throw new IllegalStateException("moto cannot describe the definition of " + arn, e);
      }
      String taskId = arn.substring(arn.lastIndexOf('/') + 1);
      Path home = Files.createDirectories(settings.workRoot().resolve(taskId));
      JsonNode overrides = request.get("overrides");
      String runId = runId(request);
      List<Planned> planned = runId == null ? null : plans.remove(runId);
      LocalTask local =
          new LocalTask(
              arn,
              runId,
              placement(request, task),
              size(overrides, definition, "cpu"),
              size(overrides, definition, "memory"),
              ContainerSpecs.resolve(definition, overrides, taskId, home, settings),
              home,
              planned == null ? List.of() : planned,
              host);
      tasks.put(arn, local);
      order.add(local);
      TaskOverlay.write(local.view(), task);
      local.begin();
    }
  }

  private static String runId(JsonNode request) {
    for (JsonNode tag : request.path("tags")) {
      if ("prefect:flow-run-id".equals(tag.path("key").asText())) {
        return tag.path("value").asText();
      }
    }
    return request.path("startedBy").asText(null);
  }

  /** {capacity provider, launch type}: moto answers no launch type where ECS says FARGATE. */
  private static String[] placement(JsonNode request, JsonNode task) {
    String provider = task.path("capacityProviderName").asText(null);
    String launchType = request.path("launchType").asText(null);
    if (provider != null && provider.startsWith("FARGATE")) {
      launchType = "FARGATE";
    }
    return new String[] {provider, launchType == null ? "FARGATE" : launchType};
  }

  private static String size(JsonNode overrides, JsonNode definition, String field) {
    if (overrides != null && overrides.hasNonNull(field)) {
      return overrides.get(field).asText();
    }
    return definition.hasNonNull(field) ? definition.get(field).asText() : null;
  }

  private void describeTasks(ObjectNode request, ObjectNode answer) {
    java.time.Instant now = java.time.Instant.now();
    ArrayNode failures = answer.withArray("failures");
    ArrayNode kept = MotoWire.JSON.createArrayNode();
    List<String> found = new ArrayList<>();
    for (JsonNode node : answer.path("tasks")) {
      String arn = node.path("taskArn").asText();
      LocalTask local = tasks.get(arn);
      if (local != null && local.missingAt(now)) {
        failures.addObject().put("arn", arn).put("reason", "MISSING");
      } else {
        if (local != null) {
          TaskView view = local.view();
          TaskOverlay.write(view, (ObjectNode) node);
          if (view.stopped()) {
            seenStopped.putIfAbsent(arn, now);
          }
        }
        kept.add(node);
      }
      found.add(arn);
    }
    answer.set("tasks", kept);
    for (JsonNode asked : request.path("tasks")) {
      String id = asked.asText();
      boolean known =
          found.stream().anyMatch(arn -> arn.equals(id) || arn.endsWith("/" + id))
              || failuresName(failures, id);
      if (!known) {
        // ECS names every task it does not know; moto answers nothing for it.
        failures.addObject().put("arn", id).put("reason", "MISSING");
      }
    }
  }

  private static boolean failuresName(ArrayNode failures, String id) {
    for (JsonNode f : failures) {
      String arn = f.path("arn").asText();
      if (arn.equals(id) || arn.endsWith("/" + id)) {
        return true;
      }
    }
    return false;
  }

  private void stopTask(ObjectNode request, ObjectNode answer) {
    String asked = request.path("task").asText();
    LocalTask local;
    try {
      local = local(asked);
    } catch (IllegalArgumentException notOurs) {
      return;
    }
    local.stop(request.hasNonNull("reason") ? request.get("reason").asText() : null);
    if (answer.get("task") instanceof ObjectNode task) {
      TaskOverlay.write(local.view(), task);
    }
  }

  /**
   * ECS lists the tasks of the desired status asked for (RUNNING by default); moto filters only
   * when asked, and by its own held-still statuses. So the front asks moto for every task and
   * filters the ones it runs by what it says of them; moto's own answer stands for the others.
   */
  private void listTasks(ObjectNode request, ObjectNode answer, Map<String, List<String>> headers)
      throws IOException {
    String wanted = request.path("desiredStatus").asText("RUNNING");
    ObjectNode everyStatus = request.deepCopy();
    everyStatus.remove("desiredStatus");
    JsonNode all =
        MotoWire.JSON.readTree(
            wire.forward("/", headers, MotoWire.JSON.writeValueAsBytes(everyStatus)).body());
    List<String> motoSays = new ArrayList<>();
    answer.path("taskArns").forEach(arn -> motoSays.add(arn.asText()));
    ArrayNode kept = MotoWire.JSON.createArrayNode();
    for (JsonNode arn : all.path("taskArns")) {
      LocalTask local = tasks.get(arn.asText());
      boolean listed =
          local == null
              ? motoSays.contains(arn.asText())
              : wanted.equals(local.view().desiredStatus());
      if (listed) {
        kept.add(arn);
      }
    }
    answer.set("taskArns", kept);
  }

  private void flushLogs() {
    for (LocalTask task : order) {
      if (!task.view().stopped()) {
        task.flushLogs();
      }
    }
  }

  /** Kills every process, flushes their output and stops listening. */
  @Override
  public void close() {
    server.stop(0);
    order.forEach(LocalTask::kill);
    try {
      for (LocalTask task : order) {
        task.awaitProcesses(2_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    order.forEach(LocalTask::flushLogs);
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
