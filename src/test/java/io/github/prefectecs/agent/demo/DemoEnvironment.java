package io.github.prefectecs.agent.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DescribeTasksRequest;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The agent jar against moto's own ECS (tasks held RUNNING, ended by StopTask, no process runs) and
 * the Prefect Server double with scheduled flow runs: a Fargate cluster (FARGATE and FARGATE_SPOT
 * providers), the jar started as a separate process against both. Used by {@code EndToEndIT},
 * {@code EndToEndWatchIT}, the image check and the footprint benchmark; the demo runs real flows in
 * {@link io.github.prefectecs.agent.world.AgentWithFlows} instead.
 */
public final class DemoEnvironment implements AutoCloseable {
  public static final String CLUSTER = "prefect-demo";
  public static final String LABEL = "fargate-dev";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MotoServer moto;
  private final PrefectServerDouble prefect;
  private final Path workDir;
  private final String securityGroup;
  private final List<String> runIds = new ArrayList<>();
  private final Map<String, String> extraEnvironment = new java.util.LinkedHashMap<>();
  private Process agent;
  private Path agentLog;
  private int healthPort;

  private DemoEnvironment(
      MotoServer moto, PrefectServerDouble prefect, Path workDir, String securityGroup) {
    this.moto = moto;
    this.prefect = prefect;
    this.workDir = workDir;
    this.securityGroup = securityGroup;
  }

  /** Starts moto (tasks stay RUNNING), creates the cluster, and starts the Prefect double. */
  public static DemoEnvironment start() throws IOException, InterruptedException {
    MotoServer moto = MotoServer.start();
    moto.setTaskTransition("{\"progression\": \"manual\", \"times\": 1000000}");
    String securityGroup;
    try (MotoAccount account = MotoAccount.create(moto, CLUSTER)) {
      securityGroup = account.securityGroup();
    }
    Path workDir = Files.createTempDirectory("prefect-ecs-demo");
    return new DemoEnvironment(moto, PrefectServerDouble.start(), workDir, securityGroup);
  }

  public PrefectServerDouble prefect() {
    return prefect;
  }

  public MotoServer moto() {
    return moto;
  }

  public List<String> runIds() {
    return List.copyOf(runIds);
  }

  /** Whether every scheduled run has its "Submitted for execution" run log. */
  public boolean allSubmitted() {
    return runIds.stream()
        .allMatch(
            id ->
                prefect.logs(id).stream()
                    .anyMatch(l -> l.message().startsWith("Submitted for execution")));
  }

  /** Schedules {@code count} flow runs labelled {@link #LABEL}, due now. */
  public List<String> scheduleRuns(int count) {
    ObjectNode runConfig = JSON.createObjectNode();
    runConfig.put("type", "ECSRun");
    runConfig.put("image", "prefecthq/prefect:0.15.13-python3.9");
    runConfig.putObject("env").put("GREETING", "hello from the demo");
    runConfig.putArray("labels").add(LABEL);
    runConfig.put("__version__", "0.15.13");
    String flow =
        prefect.createFlow(
            "demo-flow", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    List<String> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      created.add(
          prefect.createFlowRun(flow, List.of(LABEL), Instant.now().minusSeconds(1), runConfig));
    }
    runIds.addAll(created);
    return created;
  }

  /**
   * Starts {@code target/agent.jar ecs start} as its own process, configured by environment
   * variables only, as an operator would run it as an ECS service.
   */
  public void startAgent(Path jar) throws IOException {
    agent = agentCommand(jar, "start").start();
  }

  /**
   * Runs {@code target/agent.jar ecs check} with the environment {@link #startAgent} uses; returns
   * its exit code and output.
   */
  public CheckRun check(Path jar) throws IOException, InterruptedException {
    Process check = agentCommand(jar, "check").start();
    if (!check.waitFor(120, TimeUnit.SECONDS)) {
      check.destroyForcibly();
      return new CheckRun(-1, agentLog());
    }
    return new CheckRun(check.exitValue(), agentLog());
  }

  /** The exit code and output of {@code ecs check}. */
  public record CheckRun(int exitCode, String output) {}

  private ProcessBuilder agentCommand(Path jar, String command) throws IOException {
    if (healthPort == 0) {
      try (ServerSocket socket = new ServerSocket(0)) {
        healthPort = socket.getLocalPort();
      }
    }
    agentLog = workDir.resolve("agent.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(java, "-jar", jar.toAbsolutePath().toString(), "ecs", command)
            .redirectErrorStream(true)
            .redirectOutput(agentLog.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("PREFECT__") || k.startsWith("AWS_"));
    env.put("HOME", workDir.toString());
    env.putAll(agentEnvironment(writeTaskDefinition().toString()));
    env.put("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://127.0.0.1:" + healthPort);
    env.putAll(extraEnvironment);
    return builder;
  }

  /** The task definition template the agent is given (moto needs a container-level memory). */
  public Path writeTaskDefinition() throws IOException {
    // moto rejects containers without their own memory; real ECS does not need this.
    Path template = workDir.resolve("task-definition.yaml");
    Files.writeString(
        template,
        "networkMode: awsvpc\ncpu: 256\nmemory: 512\ncontainerDefinitions:\n"
            + "  - name: flow\n    memory: 512\n");
    return template;
  }

  /**
   * The environment that configures the agent against this environment's moto and Prefect double,
   * with the task definition template at {@code taskDefinition}; no agent address (the caller
   * chooses it).
   */
  public Map<String, String> agentEnvironment(String taskDefinition) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("PREFECT__BACKEND", "server");
    env.put("PREFECT__CLOUD__API", prefect.uri().toString());
    env.put("PREFECT__CLOUD__AGENT__NAME", "demo-agent");
    env.put("PREFECT__CLOUD__AGENT__LABELS", "[\"" + LABEL + "\"]");
    env.put("PREFECT__CLOUD__AGENT__ECS__CLUSTER", CLUSTER);
    env.put("PREFECT__CLOUD__AGENT__ECS__SECURITY_GROUPS", "[\"" + securityGroup + "\"]");
    env.put("PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION", taskDefinition);
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    return env;
  }

  public int healthPort() {
    return healthPort;
  }

  public boolean agentAlive() {
    return agent != null && agent.isAlive();
  }

  public String agentLog() throws IOException {
    return agentLog == null ? "" : Files.readString(agentLog);
  }

  /** Sets an environment variable of the agents started from now on (e.g. an endpoint). */
  public void agentEnvironment(String name, String value) {
    extraEnvironment.put(name, value);
  }

  /** SIGKILL ({@code kill -9}): the agent gets no chance to flush anything. */
  public void killAgent() throws InterruptedException {
    agent.destroyForcibly();
    agent.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, as ECS stops a service task; returns the exit code. */
  public int stopAgent(Duration timeout) throws InterruptedException {
    agent.destroy();
    if (!agent.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      agent.destroyForcibly();
      return -1;
    }
    return agent.exitValue();
  }

  /** The tasks in the emulated cluster, described. */
  public List<Task> tasks() {
    try (EcsClient ecs = moto.ecs()) {
      List<String> arns = new ArrayList<>();
      ecs.listTasksPaginator(b -> b.cluster(CLUSTER)).taskArns().forEach(arns::add);
      if (arns.isEmpty()) {
        return List.of();
      }
      List<Task> tasks = new ArrayList<>();
      for (int i = 0; i < arns.size(); i += 100) {
        List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
        tasks.addAll(
            ecs.describeTasks(
                    DescribeTasksRequest.builder()
                        .cluster(CLUSTER)
                        .tasks(batch)
                        .include(software.amazon.awssdk.services.ecs.model.TaskField.TAGS)
                        .build())
                .tasks());
      }
      return tasks;
    }
  }

  /** The tasks started for {@code runId}, oldest first as ECS lists them. */
  public List<Task> tasksOf(String runId) {
    return tasks().stream().filter(t -> runId.equals(t.startedBy())).toList();
  }

  /** StopTask with {@code reason}, as an operator, ECS or Spot would stop it. */
  public void stopTask(String taskArn, String reason) {
    try (EcsClient ecs = moto.ecs()) {
      ecs.stopTask(b -> b.cluster(CLUSTER).task(taskArn).reason(reason));
    }
  }

  @Override
  public void close() {
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly();
    }
    prefect.close();
    moto.close();
  }
}
