package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.FlagOverride;
import io.github.prefectecs.agent.config.SecretKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags shared by {@code ecs start} and {@code config show}: the reference agent's flags plus
 * the ECS placement, networking and logging options. Each flag overrides one configuration key.
 */
public final class AgentOptions {
  private static final String ECS = "cloud.agent.ecs.";

  @Option(
      names = {"-k", "--key"},
      paramLabel = "API_KEY",
      description =
          "Prefect API key (cloud.api_key). Prefer PREFECT__CLOUD__API_KEY: flags show up"
              + " in process listings.")
  String key;

  @Option(
      names = "--tenant-id",
      paramLabel = "TENANT_ID",
      description = "Prefect Cloud tenant id (cloud.tenant_id); looked up when unset.")
  String tenantId;

  @Option(
      names = {"-a", "--api"},
      paramLabel = "URL",
      description =
          "GraphQL API URL (cloud.api), e.g. http://prefect-server:4200. Does not change"
              + " the backend.")
  String api;

  @Option(
      names = "--agent-config-id",
      paramLabel = "ID",
      description = "Agent configuration id to register with.")
  String agentConfigId;

  @Option(
      names = {"-n", "--name"},
      paramLabel = "NAME",
      description = "Agent name (cloud.agent.name); default \"agent\".")
  String name;

  @Option(
      names = {"-l", "--label"},
      paramLabel = "LABEL",
      description =
          "Label of flow runs to pick up; repeatable, duplicates dropped. Replaces the"
              + " configured cloud.agent.labels.")
  List<String> labels = new ArrayList<>();

  @Option(
      names = {"-e", "--env"},
      paramLabel = "KEY=VALUE",
      description =
          "Environment variable for every flow run; repeatable, split on the first '='."
              + " Replaces the configured cloud.agent.env_vars.")
  List<String> env = new ArrayList<>();

  @Option(
      names = "--max-polls",
      paramLabel = "N",
      description = "Stop after this many polls (default: forever).")
  Long maxPolls;

  @Option(
      names = "--agent-address",
      paramLabel = "ADDRESS",
      description =
          "Serve /api/health and /api/poke at this address, e.g. http://0.0.0.0:8080 or"
              + " 0.0.0.0:8080 (cloud.agent.agent_address). Off when empty.")
  String agentAddress;

  @Option(
      names = "--no-cloud-logs",
      description = "Do not send flow run logs to Prefect (cloud.send_flow_run_logs = false).")
  boolean noCloudLogs;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "Agent log level: DEBUG, INFO, WARNING or ERROR, any case (cloud.agent.level).")
  String logLevel;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description =
          "text (for people) or json (JSON lines, for CloudWatch)" + " (cloud.agent.log_format).")
  String logFormat;

  @Option(
      names = {"-t", "--token"},
      paramLabel = "TOKEN",
      description = "Deprecated: a RUNNER API token (cloud.agent.auth_token). Use --key.")
  String token;

  @Option(
      names = "--max-concurrent-launches",
      paramLabel = "N",
      description =
          "Flow runs launched at the same time (cloud.agent.max_concurrent_launches);"
              + " default 10.")
  Long maxConcurrentLaunches;

  @Option(
      names = "--cluster",
      paramLabel = "CLUSTER",
      description = "The cluster to use. If not provided, your default cluster will be used.")
  String cluster;

  @Option(
      names = "--launch-type",
      paramLabel = "TYPE",
      description =
          "FARGATE or EC2, any case. Cannot be combined with" + " --capacity-provider-strategy.")
  String launchType;

  @Option(
      names = "--capacity-provider-strategy",
      paramLabel = "STRATEGY",
      description =
          "NAME[:weight=N][:base=N],... e.g. FARGATE_SPOT:weight=3,FARGATE:weight=2 (the"
              + " default), or 'default' for the cluster's default strategy.")
  String capacityProviderStrategy;

  @Option(
      names = "--task-role-arn",
      paramLabel = "ARN",
      description = "Default task role ARN for flow tasks.")
  String taskRoleArn;

  @Option(
      names = "--execution-role-arn",
      paramLabel = "ARN",
      description = "Default execution role ARN for flow tasks.")
  String executionRoleArn;

  @Option(
      names = "--task-definition",
      paramLabel = "PATH_OR_URL",
      description =
          "Task definition template (YAML or JSON): a local path, file://, http(s)://"
              + " or s3:// URL.")
  String taskDefinition;

  @Option(
      names = "--run-task-kwargs",
      paramLabel = "PATH_OR_URL",
      description =
          "Extra RunTask arguments (YAML or JSON): a local path, file://, http(s)://"
              + " or s3:// URL.")
  String runTaskKwargs;

  @Option(
      names = "--subnet",
      paramLabel = "SUBNET_ID",
      description = "Subnet for awsvpc tasks; repeatable. Default: the default VPC's subnets.")
  List<String> subnets = new ArrayList<>();

  @Option(
      names = "--security-group",
      paramLabel = "SG_ID",
      description = "Security group for awsvpc tasks; repeatable.")
  List<String> securityGroups = new ArrayList<>();

  @Option(
      names = "--assign-public-ip",
      paramLabel = "ENABLED|DISABLED",
      description = "Give awsvpc tasks a public IP: ENABLED/DISABLED or true/false.")
  String assignPublicIp;

  @Option(
      names = "--log-group",
      paramLabel = "LOG_GROUP",
      description = "CloudWatch log group for the flow container (awslogs driver).")
  String logGroup;

  @Option(
      names = "--forward-logs",
      paramLabel = "MODE",
      description =
          "What flow containers' CloudWatch output goes into run logs: non-prefect (default),"
              + " all, failures or off.")
  String forwardLogs;

  @Option(
      names = "--api-key-secret-arn",
      paramLabel = "ARN",
      description =
          "Secrets Manager or SSM parameter ARN holding the Prefect API key; flow tasks"
              + " then get it as a secret, not as plain environment.")
  String apiKeySecretArn;

  @Option(
      names = "--max-run-task-rate",
      paramLabel = "PER_SECOND",
      description =
          "Cap on this agent's ECS RunTask calls per second, its share of the account's quota"
              + " (cloud.agent.ecs.max_run_task_rate); default unset: adapt to throttling.")
  Double maxRunTaskRate;

  @Option(
      names = "--task-tag",
      paramLabel = "KEY=VALUE",
      description =
          "Extra tag on every flow task, for cost allocation; repeatable, split on the first '='."
              + " Replaces the configured cloud.agent.ecs.task_tags.")
  List<String> taskTags = new ArrayList<>();

  @Mixin SupervisionOptions supervision = new SupervisionOptions();

  /** True when the deprecated {@code --token} was given. */
  boolean tokenGiven() {
    return token != null;
  }

  /**
   * The configuration overrides of the given flags; flag-syntax problems go to {@code problems}.
   */
  List<FlagOverride> overrides(List<String> problems) {
    List<FlagOverride> out = new ArrayList<>();
    add(out, "cloud.api_key", key, "--key");
    add(out, "cloud.tenant_id", tenantId, "--tenant-id");
    add(out, "cloud.api", api, "--api");
    add(out, "cloud.agent.agent_config_id", agentConfigId, "--agent-config-id");
    add(out, "cloud.agent.name", name, "--name");
    if (!labels.isEmpty()) {
      add(out, "cloud.agent.labels", List.copyOf(new LinkedHashSet<>(labels)), "--label");
    }
    if (!env.isEmpty()) {
      add(out, "cloud.agent.env_vars", pairs(env, "--env", "MY_VAR=value", problems), "--env");
    }
    add(out, "cloud.agent.max_polls", maxPolls, "--max-polls");
    add(out, "cloud.agent.agent_address", agentAddress, "--agent-address");
    add(out, "cloud.send_flow_run_logs", noCloudLogs ? Boolean.FALSE : null, "--no-cloud-logs");
    add(out, "cloud.agent.level", logLevel, "--log-level");
    add(out, "cloud.agent.log_format", logFormat, "--log-format");
    add(out, "cloud.agent.auth_token", token, "--token");
    add(
        out,
        "cloud.agent.max_concurrent_launches",
        maxConcurrentLaunches,
        "--max-concurrent-launches");
    add(out, ECS + "cluster", cluster, "--cluster");
    add(out, ECS + "launch_type", launchType, "--launch-type");
    add(
        out,
        ECS + "capacity_provider_strategy",
        capacityProviderStrategy,
        "--capacity-provider-strategy");
    add(out, ECS + "task_role_arn", taskRoleArn, "--task-role-arn");
    add(out, ECS + "execution_role_arn", executionRoleArn, "--execution-role-arn");
    add(out, ECS + "task_definition", taskDefinition, "--task-definition");
    add(out, ECS + "run_task_kwargs", runTaskKwargs, "--run-task-kwargs");
    if (!subnets.isEmpty()) {
      add(out, ECS + "subnets", List.copyOf(subnets), "--subnet");
    }
    if (!securityGroups.isEmpty()) {
      add(out, ECS + "security_groups", List.copyOf(securityGroups), "--security-group");
    }
    add(out, ECS + "assign_public_ip", assignPublicIp, "--assign-public-ip");
    add(out, ECS + "log_group", logGroup, "--log-group");
    add(out, ECS + "forward_logs", forwardLogs, "--forward-logs");
    add(out, ECS + "api_key_secret_arn", apiKeySecretArn, "--api-key-secret-arn");
    add(out, ECS + "max_run_task_rate", maxRunTaskRate, "--max-run-task-rate");
    if (!taskTags.isEmpty()) {
      add(
          out,
          ECS + "task_tags",
          pairs(taskTags, "--task-tag", "team=data", problems),
          "--task-tag");
    }
    supervision.overrides(out);
    return out;
  }

  /** KEY=VALUE items of a repeatable flag, split on the first '='. */
  private static Map<String, String> pairs(
      List<String> items, String flag, String example, List<String> problems) {
    Map<String, String> vars = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        String shown = eq == 0 ? "=..." : SecretKeys.isSecretName(item) ? "***" : item;
        problems.add(
            "flag "
                + flag
                + " \""
                + shown
                + "\": expected KEY=VALUE with a non-empty KEY; write e.g. "
                + flag
                + " "
                + example);
        continue;
      }
      vars.put(item.substring(0, eq), item.substring(eq + 1));
    }
    return vars;
  }

  static void add(List<FlagOverride> out, String key, Object value, String flag) {
    if (value != null) {
      out.add(FlagOverride.of(key, value, flag));
    }
  }
}
