package io.github.prefectecs.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's effective configuration (defaults &lt; files &lt; environment &lt; flags), validated,
 * one small record per concern. Built once by {@code ConfigLoader}; immutable.
 *
 * @param name {@code cloud.agent.name}
 * @param labels {@code cloud.agent.labels}, de-duplicated, in the order given
 * @param prefect how the agent talks to Prefect
 * @param flows what every flow container gets
 * @param ecs how flow tasks are launched
 * @param supervision how tasks are watched
 * @param logs where flow containers log and what is forwarded
 * @param cost how each run's cost is estimated (price overrides)
 * @param operations how the agent runs as a process
 * @param awsCredentials credentials from {@code context.secrets.AWS_CREDENTIALS}, or null to use
 *     the default AWS credentials chain
 */
public record AgentConfig(
    String name,
    List<String> labels,
    PrefectConnection prefect,
    FlowDefaults flows,
    EcsSettings ecs,
    SupervisionSettings supervision,
    LogSettings logs,
    CostSettings cost,
    Operations operations,
    AwsSecretCredentials awsCredentials) {

  /** The core version the agent claims on the wire ({@code X-PREFECT-CORE-VERSION}). */
  public static final String CORE_VERSION = "0.15.13";

  public AgentConfig {
    Objects.requireNonNull(name, "name");
    labels = List.copyOf(labels);
    Objects.requireNonNull(prefect, "prefect");
    Objects.requireNonNull(flows, "flows");
    Objects.requireNonNull(ecs, "ecs");
    Objects.requireNonNull(supervision, "supervision");
    Objects.requireNonNull(logs, "logs");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(operations, "operations");
  }

  public Backend backend() {
    return prefect.backend();
  }

  public URI api() {
    return prefect.api();
  }

  public Secret apiKey() {
    return prefect.apiKey();
  }

  public String tenantId() {
    return prefect.tenantId();
  }

  public Secret authToken() {
    return prefect.authToken();
  }

  public String agentConfigId() {
    return prefect.agentConfigId();
  }

  public Duration requestTimeout() {
    return prefect.requestTimeout();
  }

  public Map<String, String> envVars() {
    return flows.envVars();
  }

  public boolean sendFlowRunLogs() {
    return flows.sendFlowRunLogs();
  }

  public String flowLogLevel() {
    return flows.flowLogLevel();
  }

  public URI agentAddress() {
    return operations.agentAddress();
  }

  public String agentLogLevel() {
    return operations.agentLogLevel();
  }

  public boolean jsonLogs() {
    return operations.jsonLogs();
  }

  public Integer maxPolls() {
    return operations.maxPolls();
  }

  public int maxConcurrentLaunches() {
    return operations.maxConcurrentLaunches();
  }

  public Secret slackWebhookUrl() {
    return supervision.slackWebhookUrl();
  }

  /** This configuration with other ECS launch settings. */
  public AgentConfig withEcs(EcsSettings other) {
    return new AgentConfig(
        name, labels, prefect, flows, other, supervision, logs, cost, operations, awsCredentials);
  }

  /** This configuration with other log settings. */
  public AgentConfig withLogs(LogSettings other) {
    return new AgentConfig(
        name, labels, prefect, flows, ecs, supervision, other, cost, operations, awsCredentials);
  }

  /** This configuration with other supervision settings. */
  public AgentConfig withSupervision(SupervisionSettings other) {
    return new AgentConfig(
        name, labels, prefect, flows, ecs, other, logs, cost, operations, awsCredentials);
  }

  /** This configuration with other cost settings. */
  public AgentConfig withCost(CostSettings other) {
    return new AgentConfig(
        name, labels, prefect, flows, ecs, supervision, logs, other, operations, awsCredentials);
  }

  /** This configuration with another Prefect connection. */
  public AgentConfig withPrefect(PrefectConnection other) {
    return new AgentConfig(
        name, labels, other, flows, ecs, supervision, logs, cost, operations, awsCredentials);
  }
}
