package io.github.prefectecs.agent.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The ECS options of the agent, after all configuration sources were merged and validated.
 *
 * <p>Placement: exactly one of {@code launchType} (non-null), a non-empty {@code
 * capacityProviderStrategy}, or {@code useClusterDefaultStrategy}. Nullable strings mean "not set".
 *
 * @param cluster cluster name or ARN; null means the account's {@code default} cluster
 * @param launchType {@code FARGATE} or {@code EC2}; null when a strategy is used
 * @param capacityProviderStrategy the strategy sent with RunTask (default FARGATE_SPOT:3,
 *     FARGATE:2)
 * @param useClusterDefaultStrategy send neither launch type nor strategy
 * @param taskRoleArn default task role of flow tasks
 * @param executionRoleArn default execution role of flow tasks
 * @param taskDefinitionPath task definition template (path, file://, http(s)://, s3://)
 * @param runTaskKwargsPath extra RunTask arguments (YAML or JSON; same schemes)
 * @param subnets subnets for awsvpc; empty means inferred from the default VPC
 * @param securityGroups security groups for awsvpc; may be empty
 * @param assignPublicIp null means "not set" (ENABLED when subnets are inferred)
 * @param logGroup CloudWatch log group for the flow container's awslogs driver; null for none
 * @param apiKeySecretArn Secrets Manager / SSM ARN holding the Prefect API key; null to pass the
 *     key as an environment override as the reference agent does
 * @param maxRunTaskRate {@code max_run_task_rate}: this agent's cap on RunTask calls per second
 *     (its share of the account's quota); null for none (the agent adapts to throttling alone)
 * @param startTimeout a task still starting (PROVISIONING, PENDING) after this long is stopped and
 *     its run failed ({@code start_timeout}, seconds; default 10 minutes)
 * @param spotRelaunchLimit how often one run is relaunched on FARGATE after a Fargate Spot
 *     interruption before it fails ({@code spot_relaunch_limit}; default 3)
 * @param forwardLogs what is forwarded from flow containers' CloudWatch streams into run logs
 */
public record EcsSettings(
    String cluster,
    String launchType,
    List<CapacityProviderItem> capacityProviderStrategy,
    boolean useClusterDefaultStrategy,
    String taskRoleArn,
    String executionRoleArn,
    String taskDefinitionPath,
    String runTaskKwargsPath,
    List<String> subnets,
    List<String> securityGroups,
    Boolean assignPublicIp,
    String logGroup,
    String apiKeySecretArn,
    Double maxRunTaskRate,
    Duration startTimeout,
    int spotRelaunchLimit,
    LogForwarding forwardLogs) {

  /** The log group flow containers log to when none is configured and forwarding is on. */
  public static final String DEFAULT_LOG_GROUP = "/prefect/flow-runs";

  /** The highest {@code max_run_task_rate} accepted, calls per second. */
  public static final double MAX_RUN_TASK_RATE_LIMIT = 1000;

  /** Default of {@code start_timeout}. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(10);

  /** Default of {@code spot_relaunch_limit}. */
  public static final int DEFAULT_SPOT_RELAUNCH_LIMIT = 3;

  /** FARGATE_SPOT weighted 3 over FARGATE 2, the default placement. */
  public static final List<CapacityProviderItem> DEFAULT_STRATEGY =
      List.of(
          new CapacityProviderItem("FARGATE_SPOT", 3, 0),
          new CapacityProviderItem("FARGATE", 2, 0));

  public EcsSettings {
    capacityProviderStrategy = List.copyOf(Objects.requireNonNull(capacityProviderStrategy));
    subnets = List.copyOf(Objects.requireNonNull(subnets));
    securityGroups = List.copyOf(Objects.requireNonNull(securityGroups));
    Objects.requireNonNull(startTimeout, "startTimeout");
    Objects.requireNonNull(forwardLogs, "forwardLogs");
    int modes =
        (launchType != null ? 1 : 0)
            + (capacityProviderStrategy.isEmpty() ? 0 : 1)
            + (useClusterDefaultStrategy ? 1 : 0);
    if (maxRunTaskRate != null
        && !(maxRunTaskRate > 0 && maxRunTaskRate <= MAX_RUN_TASK_RATE_LIMIT)) {
      throw new IllegalArgumentException(
          "max_run_task_rate must be above 0 and at most 1000, was " + maxRunTaskRate);
    }
    if (modes != 1) {
      throw new IllegalArgumentException(
          "exactly one of launch type, capacity provider strategy or the cluster default strategy"
              + " must be chosen");
    }
  }

  /**
   * Settings with no RunTask rate cap, the default start timeout, Spot relaunch limit and log
   * forwarding mode.
   */
  public EcsSettings(
      String cluster,
      String launchType,
      List<CapacityProviderItem> capacityProviderStrategy,
      boolean useClusterDefaultStrategy,
      String taskRoleArn,
      String executionRoleArn,
      String taskDefinitionPath,
      String runTaskKwargsPath,
      List<String> subnets,
      List<String> securityGroups,
      Boolean assignPublicIp,
      String logGroup,
      String apiKeySecretArn) {
    this(
        cluster,
        launchType,
        capacityProviderStrategy,
        useClusterDefaultStrategy,
        taskRoleArn,
        executionRoleArn,
        taskDefinitionPath,
        runTaskKwargsPath,
        subnets,
        securityGroups,
        assignPublicIp,
        logGroup,
        apiKeySecretArn,
        null,
        DEFAULT_START_TIMEOUT,
        DEFAULT_SPOT_RELAUNCH_LIMIT,
        LogForwarding.NON_PREFECT);
  }

  /** Defaults: default cluster, the FARGATE_SPOT/FARGATE strategy, nothing else set. */
  public static EcsSettings defaults() {
    return new EcsSettings(
        null,
        null,
        DEFAULT_STRATEGY,
        false,
        null,
        null,
        null,
        null,
        List.of(),
        List.of(),
        null,
        null,
        null);
  }

  /** True when tasks run on Fargate (awsvpc networking required). */
  public boolean usesFargate() {
    if (launchType != null) {
      return launchType.equals("FARGATE");
    }
    // A strategy or the cluster default: Fargate unless every provider is a custom (EC2) one.
    return useClusterDefaultStrategy
        || capacityProviderStrategy.stream().anyMatch(i -> i.provider().startsWith("FARGATE"));
  }

  /**
   * The group the agent gives a flow container without its own {@code logConfiguration}: the
   * configured one, else {@link #DEFAULT_LOG_GROUP} unless forwarding is off (then null: none).
   */
  public String effectiveLogGroup() {
    if (logGroup != null) {
      return logGroup;
    }
    return forwardLogs == LogForwarding.OFF ? null : DEFAULT_LOG_GROUP;
  }

  /** A copy with {@code mode} as the forwarding mode. */
  public EcsSettings withForwardLogs(LogForwarding mode) {
    return new EcsSettings(
        cluster,
        launchType,
        capacityProviderStrategy,
        useClusterDefaultStrategy,
        taskRoleArn,
        executionRoleArn,
        taskDefinitionPath,
        runTaskKwargsPath,
        subnets,
        securityGroups,
        assignPublicIp,
        logGroup,
        apiKeySecretArn,
        maxRunTaskRate,
        startTimeout,
        spotRelaunchLimit,
        mode);
  }
}
