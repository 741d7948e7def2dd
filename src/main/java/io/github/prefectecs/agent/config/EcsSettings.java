package io.github.prefectecs.agent.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the agent launches flow tasks on ECS, after all configuration sources were merged and
 * validated: where (placement), on which network, with which roles and templates, and how fast.
 * Nullable strings mean "not set". Built by {@link #builder()} or the loader; immutable.
 *
 * @param placement cluster and launch type or capacity provider strategy
 * @param network awsvpc subnets, security groups and public IP
 * @param roles the flow tasks' roles and the API key's secret
 * @param templates the task definition template and extra RunTask arguments
 * @param maxRunTaskRate {@code max_run_task_rate}: this agent's cap on RunTask calls per second
 *     (its share of the account's quota); null for none (the agent adapts to throttling alone)
 * @param taskTags {@code task_tags}: extra tags on every flow task (cost allocation), beside the
 *     agent's own {@code prefect:*} tags
 * @param spotBreaker when new launches leave Fargate Spot for a while
 */
public record EcsSettings(
    Placement placement,
    Network network,
    FlowRoles roles,
    Templates templates,
    Double maxRunTaskRate,
    Map<String, String> taskTags,
    SpotBreakerSettings spotBreaker) {

  /** The highest {@code max_run_task_rate} accepted, calls per second. */
  public static final double MAX_RUN_TASK_RATE_LIMIT = 1000;

  /** FARGATE_SPOT weighted 3 over FARGATE 2, the default placement. */
  public static final List<CapacityProviderItem> DEFAULT_STRATEGY =
      List.of(
          new CapacityProviderItem("FARGATE_SPOT", 3, 0),
          new CapacityProviderItem("FARGATE", 2, 0));

  public EcsSettings {
    Objects.requireNonNull(placement, "placement");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(templates, "templates");
    taskTags = Collections.unmodifiableMap(new LinkedHashMap<>(taskTags));
    Objects.requireNonNull(spotBreaker, "spotBreaker");
    if (maxRunTaskRate != null
        && !(maxRunTaskRate > 0 && maxRunTaskRate <= MAX_RUN_TASK_RATE_LIMIT)) {
      throw new IllegalArgumentException(
          "max_run_task_rate must be above 0 and at most 1000, was " + maxRunTaskRate);
    }
  }

  /**
   * Where tasks run: exactly one of {@code launchType} (non-null), a non-empty {@code
   * capacityProviderStrategy}, or {@code useClusterDefaultStrategy}.
   *
   * @param cluster cluster name or ARN; null means the account's {@code default} cluster
   * @param launchType {@code FARGATE} or {@code EC2}; null when a strategy is used
   * @param capacityProviderStrategy the strategy sent with RunTask (default FARGATE_SPOT:3,
   *     FARGATE:2)
   * @param useClusterDefaultStrategy send neither launch type nor strategy
   */
  public record Placement(
      String cluster,
      String launchType,
      List<CapacityProviderItem> capacityProviderStrategy,
      boolean useClusterDefaultStrategy) {
    public Placement {
      capacityProviderStrategy = List.copyOf(Objects.requireNonNull(capacityProviderStrategy));
      int modes =
          (launchType != null ? 1 : 0)
              + (capacityProviderStrategy.isEmpty() ? 0 : 1)
              + (useClusterDefaultStrategy ? 1 : 0);
      if (modes != 1) {
        throw new IllegalArgumentException(
            "exactly one of launch type, capacity provider strategy or the cluster default"
                + " strategy must be chosen");
      }
    }
  }

  /**
   * @param subnets subnets for awsvpc; empty means inferred from the default VPC
   * @param securityGroups security groups for awsvpc; may be empty
   * @param assignPublicIp null means "not set" (ENABLED when subnets are inferred)
   */
  public record Network(List<String> subnets, List<String> securityGroups, Boolean assignPublicIp) {
    public Network {
      subnets = List.copyOf(Objects.requireNonNull(subnets));
      securityGroups = List.copyOf(Objects.requireNonNull(securityGroups));
    }
  }

  /**
   * @param taskRoleArn default task role of flow tasks
   * @param executionRoleArn default execution role of flow tasks
   * @param apiKeySecretArn Secrets Manager / SSM ARN holding the Prefect API key; null to pass the
   *     key as an environment override as the reference agent does
   */
  public record FlowRoles(String taskRoleArn, String executionRoleArn, String apiKeySecretArn) {}

  /**
   * @param taskDefinitionPath task definition template (path, file://, http(s)://, s3://)
   * @param runTaskKwargsPath extra RunTask arguments (YAML or JSON; same schemes)
   */
  public record Templates(String taskDefinitionPath, String runTaskKwargsPath) {}

  /** Defaults: default cluster, the FARGATE_SPOT/FARGATE strategy, nothing else set. */
  public static EcsSettings defaults() {
    return builder().build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.placement = placement;
    b.network = network;
    b.roles = roles;
    b.templates = templates;
    b.maxRunTaskRate = maxRunTaskRate;
    b.taskTags = taskTags;
    b.spotBreaker = spotBreaker;
    return b;
  }

  public String cluster() {
    return placement.cluster();
  }

  public String launchType() {
    return placement.launchType();
  }

  public List<CapacityProviderItem> capacityProviderStrategy() {
    return placement.capacityProviderStrategy();
  }

  public boolean useClusterDefaultStrategy() {
    return placement.useClusterDefaultStrategy();
  }

  public List<String> subnets() {
    return network.subnets();
  }

  public List<String> securityGroups() {
    return network.securityGroups();
  }

  public Boolean assignPublicIp() {
    return network.assignPublicIp();
  }

  public String taskRoleArn() {
    return roles.taskRoleArn();
  }

  public String executionRoleArn() {
    return roles.executionRoleArn();
  }

  public String apiKeySecretArn() {
    return roles.apiKeySecretArn();
  }

  public String taskDefinitionPath() {
    return templates.taskDefinitionPath();
  }

  public String runTaskKwargsPath() {
    return templates.runTaskKwargsPath();
  }

  /** True when tasks run on Fargate (awsvpc networking required). */
  public boolean usesFargate() {
    if (launchType() != null) {
      return launchType().equals("FARGATE");
    }
    // A strategy or the cluster default: Fargate unless every provider is a custom (EC2) one.
    return useClusterDefaultStrategy()
        || capacityProviderStrategy().stream().anyMatch(i -> i.provider().startsWith("FARGATE"));
  }

  /** Builds settings one concern at a time; unset parts keep their defaults. */
  public static final class Builder {
    private Placement placement = new Placement(null, null, DEFAULT_STRATEGY, false);
    private Network network = new Network(List.of(), List.of(), null);
    private FlowRoles roles = new FlowRoles(null, null, null);
    private Templates templates = new Templates(null, null);
    private Double maxRunTaskRate;
    private Map<String, String> taskTags = Map.of();
    private SpotBreakerSettings spotBreaker = SpotBreakerSettings.defaults();

    private Builder() {}

    public Builder placement(Placement placement) {
      this.placement = placement;
      return this;
    }

    public Builder cluster(String cluster) {
      placement =
          new Placement(
              cluster,
              placement.launchType(),
              placement.capacityProviderStrategy(),
              placement.useClusterDefaultStrategy());
      return this;
    }

    /** Launch type {@code launchType} instead of a strategy. */
    public Builder launchType(String launchType) {
      placement = new Placement(placement.cluster(), launchType, List.of(), false);
      return this;
    }

    public Builder strategy(List<CapacityProviderItem> strategy) {
      placement = new Placement(placement.cluster(), null, strategy, false);
      return this;
    }

    public Builder clusterDefaultStrategy() {
      placement = new Placement(placement.cluster(), null, List.of(), true);
      return this;
    }

    public Builder network(List<String> subnets, List<String> securityGroups, Boolean publicIp) {
      network = new Network(subnets, securityGroups, publicIp);
      return this;
    }

    public Builder roles(String taskRoleArn, String executionRoleArn) {
      roles = new FlowRoles(taskRoleArn, executionRoleArn, roles.apiKeySecretArn());
      return this;
    }

    public Builder apiKeySecretArn(String arn) {
      roles = new FlowRoles(roles.taskRoleArn(), roles.executionRoleArn(), arn);
      return this;
    }

    public Builder taskDefinition(String path) {
      templates = new Templates(path, templates.runTaskKwargsPath());
      return this;
    }

    public Builder runTaskKwargs(String path) {
      templates = new Templates(templates.taskDefinitionPath(), path);
      return this;
    }

    public Builder maxRunTaskRate(Double rate) {
      this.maxRunTaskRate = rate;
      return this;
    }

    /** Extra tags on every flow task. */
    public Builder taskTags(Map<String, String> tags) {
      this.taskTags = Objects.requireNonNull(tags, "tags");
      return this;
    }

    public Builder spotBreaker(SpotBreakerSettings spotBreaker) {
      this.spotBreaker = Objects.requireNonNull(spotBreaker, "spotBreaker");
      return this;
    }

    public EcsSettings build() {
      return new EcsSettings(
          placement, network, roles, templates, maxRunTaskRate, taskTags, spotBreaker);
    }
  }
}
