package io.github.prefectecs.agent.world;

import io.github.prefectecs.agent.cost.CostLine;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.PrefectFlows;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The built agent jar at work on real flows: a {@link FlowWorld} whose ECS front runs Prefect
 * 0.15.13's own flow runner (from {@code .venv-flows}, see {@link PrefectFlows#executable()}) for
 * every task, flows registered the way users do, and helpers to start runs and read what became of
 * them. Shared by the real-flow ITs and the demo. Thread-safe; {@link #close()} (idempotent) stops
 * it all.
 */
public final class AgentWithFlows implements AutoCloseable {
  /** Finished state types (Core 0.15's Finished subclasses). */
  public static final Set<String> FINISHED =
      Set.of(
          "Success",
          "Failed",
          "Cancelled",
          "TimedOut",
          "TriggerFailed",
          "ValidationFailed",
          "Cached",
          "Skipped");

  /** The logger name of the lines the agent forwards from CloudWatch into run logs. */
  public static final String FORWARDED = "prefect.ecs-agent.cloudwatch";

  private final FlowWorld world;
  private final AgentJar agent;
  private final int healthPort;
  private final Map<String, String> flowIds;
  private final HttpClient http = HttpClient.newHttpClient();
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private AgentWithFlows(
      FlowWorld world, AgentJar agent, int healthPort, Map<String, String> flowIds) {
    this.world = world;
    this.agent = agent;
    this.healthPort = healthPort;
    this.flowIds = flowIds;
  }

  /**
   * Starts the world (tasks under {@code dir}), registers {@code flowFiles} (e.g. {@code hello.py})
   * with label {@link FlowWorld#LABEL} and starts {@code jar} against it all.
   *
   * @param settings the front's lifecycle; its PATH gets the flow venv's {@code bin} first
   */
  public static AgentWithFlows start(
      Path jar, Path dir, RunnerSettings settings, String... flowFiles)
      throws IOException, InterruptedException {
    RunnerSettings withPrefect =
        settings.withBinDirs(List.of(PrefectFlows.executable().getParent()));
    FlowWorld world = FlowWorld.start(dir, withPrefect);
    try {
      Path[] files = Arrays.stream(flowFiles).map(PrefectFlows::flowFile).toArray(Path[]::new);
      Map<String, String> ids = new LinkedHashMap<>();
      for (PrefectFlows.Registration r :
          PrefectFlows.register(
              world.prefect().uri(), "tests", List.of(FlowWorld.LABEL), false, files)) {
        ids.put(r.flowName(), r.flowId());
      }
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      AgentJar agent =
          world.startAgent(
              jar, Map.of("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://127.0.0.1:" + port));
      return new AgentWithFlows(world, agent, port, ids);
    } catch (IOException | RuntimeException e) {
      world.close();
      throw e;
    }
  }

  /** Test-speed lifecycle: 200/300/200 ms, a 5 s stop timeout. */
  public static RunnerSettings quickLifecycle(Path tasks) {
    return RunnerSettings.forTests(tasks)
        .withLifecycle(
            Duration.ofMillis(200),
            Duration.ofMillis(300),
            Duration.ofMillis(200),
            Duration.ofSeconds(5));
  }

  public FlowWorld world() {
    return world;
  }

  public PrefectServerDouble prefect() {
    return world.prefect();
  }

  public EcsFront front() {
    return world.front();
  }

  public AgentJar agent() {
    return agent;
  }

  /**
   * Creates a run of flow {@code flowName} as {@code Client.create_flow_run} does and wakes the
   * agent's poll ({@code /api/poke}) so it need not wait out its idle backoff.
   */
  public String run(String flowName, Map<String, ?> parameters) {
    String flowId = flowIds.get(flowName);
    if (flowId == null) {
      throw new IllegalArgumentException("flow " + flowName + " is not registered: " + flowIds);
    }
    String runId = prefect().user().createFlowRun(flowId, parameters);
    poke();
    return runId;
  }

  /** {@code GET /api/poke}: the agent polls at once. */
  public void poke() {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/api/poke"))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // Not up yet: the agent polls on its own anyway.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until the agent has seen {@code task} stopped (a DescribeTasks answered STOPPED), then
   * for {@code grace} more unless the run leaves Running before: the chance to act on the exit an
   * agent has in production, where the run's next attempt is due minutes or years later.
   */
  public void awaitAgentSawStop(String runId, TaskView task, Duration grace) {
    Eventually.until(
        Duration.ofSeconds(60),
        () -> "the agent describing " + task.taskArn() + " as STOPPED\n" + report(runId),
        () -> front().firstDescribedStopped(task.taskArn()).isPresent());
    java.time.Instant until = front().firstDescribedStopped(task.taskArn()).get().plus(grace);
    Eventually.until(
        grace.plusSeconds(10),
        "grace after the stop",
        () ->
            !"Running".equals(prefect().flowRunState(runId))
                || java.time.Instant.now().isAfter(until));
  }

  /** Waits until the run is in a finished state (or {@code timeout}); returns its state. */
  public String awaitFinished(String runId, Duration timeout) {
    Eventually.until(
        timeout, () -> "run " + runId + " finished\n" + report(runId), () -> finished(runId));
    return prefect().flowRunState(runId);
  }

  public boolean finished(String runId) {
    return FINISHED.contains(prefect().flowRunState(runId));
  }

  /** The run's state message. */
  public String message(String runId) {
    return prefect().flowRunSerializedState(runId).path("message").asText();
  }

  /** The run's states, oldest first, e.g. {@code [Scheduled, Submitted, Running, Success]}. */
  public List<String> history(String runId) {
    return prefect().flowRunStateHistory(runId).stream().map(s -> s.path("type").asText()).toList();
  }

  /** How many of the run's logs say exactly {@code message}. */
  public long logsSaying(String runId, String message) {
    return prefect().logs(runId).stream().filter(l -> l.message().equals(message)).count();
  }

  /** The run's logs the agent forwarded from the flow container's CloudWatch stream. */
  public List<String> forwarded(String runId) {
    return prefect().logs(runId).stream()
        .filter(l -> FORWARDED.equals(l.name()))
        .map(LogRecord::message)
        .toList();
  }

  /** The run's cost lines (one per stopped task the agent accounted), oldest first. */
  public List<String> costLines(String runId) {
    return prefect().logs(runId).stream()
        .map(LogRecord::message)
        .filter(m -> m.startsWith(CostLine.PREFIX))
        .toList();
  }

  /**
   * The values of counter {@code name} (without {@code _total}) in the agent's {@code GET
   * /metrics}, by the value of its one label; empty when the agent has not counted it yet.
   */
  public Map<String, Double> counter(String name) throws IOException, InterruptedException {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Pattern sample = Pattern.compile(Pattern.quote(name) + "_total\\{\\w+=\"([^\"]*)\"} (\\S+)");
    Map<String, Double> values = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = sample.matcher(line);
      if (m.matches()) {
        values.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return values;
  }

  /** Everything there is to know about a run, for a failure message. */
  public String report(String runId) {
    StringBuilder out = new StringBuilder();
    out.append("state ")
        .append(prefect().flowRunState(runId))
        .append(": ")
        .append(message(runId))
        .append("\nhistory ")
        .append(history(runId))
        .append("\ntask runs ")
        .append(
            prefect().taskRuns(runId).stream()
                .map(t -> t.taskName() + "=" + t.state() + "@" + t.stateStartTime())
                .collect(Collectors.joining(", ")))
        .append("\ntasks:\n");
    for (TaskView task : front().tasksOf(runId)) {
      out.append("  ").append(task).append('\n');
      for (TaskView.ContainerView c : task.containers()) {
        front()
            .output(task.taskArn(), c.name())
            .forEach(l -> out.append("    | ").append(l).append('\n'));
      }
    }
    out.append("run logs:\n");
    prefect()
        .logs(runId)
        .forEach(
            l ->
                out.append("  ")
                    .append(l.level())
                    .append(' ')
                    .append(l.name())
                    .append(": ")
                    .append(l.message())
                    .append('\n'));
    String log = agent.log();
    out.append("agent log (last 6000 characters):\n")
        .append(log.substring(Math.max(0, log.length() - 6000)));
    return out.toString();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      agent.close();
      world.close();
    }
  }
}
