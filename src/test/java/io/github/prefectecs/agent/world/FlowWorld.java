package io.github.prefectecs.agent.world;

import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole test world of real flows: moto (EC2, CloudWatch Logs, Secrets Manager, and ECS behind
 * the {@link EcsFront} that runs each task's containers locally), a Fargate cluster with FARGATE
 * and FARGATE_SPOT, the project's Prefect Server double, and the environment that points the agent
 * jar at them. Thread-safe; {@link #close()} stops everything it started.
 */
public final class FlowWorld implements AutoCloseable {
  public static final String CLUSTER = "prefect-flows";
  public static final String LABEL = "ecs-flows";
  private final MotoServer moto;
  private final EcsFront front;
  private final PrefectServerDouble prefect;
  private final String securityGroup;
  private final Path workDir;

  private FlowWorld(
      MotoServer moto,
      EcsFront front,
      PrefectServerDouble prefect,
      String securityGroup,
      Path workDir) {
    this.moto = moto;
    this.front = front;
    this.prefect = prefect;
    this.securityGroup = securityGroup;
    this.workDir = workDir;
  }

  /**
   * Starts moto, the ECS front (tasks under {@code workDir/tasks}, with {@code settings}' lifecycle
   * and PATH) and the Prefect double, and creates the cluster and a security group.
   */
  public static FlowWorld start(Path workDir, RunnerSettings settings)
      throws IOException, InterruptedException {
    MotoServer moto = MotoServer.start();
    EcsFront front = null;
    try {
      front = EcsFront.start(moto, settings);
      String group;
      try (MotoAccount account = MotoAccount.create(moto, CLUSTER)) {
        group = account.securityGroup();
      }
      return new FlowWorld(moto, front, PrefectServerDouble.start(), group, workDir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (front != null) {
        front.close();
      }
      moto.close();
      throw e;
    }
  }

  public MotoServer moto() {
    return moto;
  }

  public EcsFront front() {
    return front;
  }

  public PrefectServerDouble prefect() {
    return prefect;
  }

  public Path workDir() {
    return workDir;
  }

  /**
   * What configures the agent jar for this world, environment variables only: the Prefect double,
   * label {@link #LABEL}, cluster {@link #CLUSTER}, ECS through the front and everything else of
   * AWS at moto, the flow log group forwarded into run logs ({@code non-prefect}), and {@code more}
   * on top.
   */
  public Map<String, String> agentEnvironment(Map<String, String> more) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PREFECT__BACKEND", "server");
    env.put("PREFECT__CLOUD__API", prefect.uri().toString());
    env.put("PREFECT__CLOUD__AGENT__NAME", "flows-agent");
    env.put("PREFECT__CLOUD__AGENT__LABELS", "[\"" + LABEL + "\"]");
    env.put("PREFECT__CLOUD__AGENT__ECS__CLUSTER", CLUSTER);
    env.put("PREFECT__CLOUD__AGENT__ECS__SECURITY_GROUPS", "[\"" + securityGroup + "\"]");
    env.put("PREFECT__CLOUD__AGENT__ECS__FORWARD_LOGS", "non-prefect");
    env.put("PREFECT__CLOUD__AGENT__ECS__TASK_DEFINITION", taskDefinition().toString());
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("AWS_ENDPOINT_URL_ECS", front.endpoint().toString());
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    env.putAll(more);
    return env;
  }

  /** The agent's task definition template: moto wants each container to have its own memory. */
  private Path taskDefinition() {
    Path template = workDir.resolve("task-definition.json");
    try {
      Files.createDirectories(workDir);
      Files.writeString(
          template,
          "{\"networkMode\": \"awsvpc\", \"cpu\": \"256\", \"memory\": \"512\","
              + " \"containerDefinitions\": [{\"name\": \"flow\", \"memory\": 512}]}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return template;
  }

  /** Starts {@code target/agent.jar ecs start} against this world. */
  public AgentJar startAgent(Path jar, Map<String, String> more) {
    return AgentJar.start(jar, agentEnvironment(more), workDir.resolve("agent"));
  }

  @Override
  public void close() {
    front.close();
    prefect.close();
    moto.close();
  }
}
