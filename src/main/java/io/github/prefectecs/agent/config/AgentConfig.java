package io.github.prefectecs.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's effective configuration (defaults &lt; files &lt; environment &lt; flags), validated.
 * Built by {@code ConfigLoader}; immutable.
 *
 * @param backend {@code backend}
 * @param api {@code cloud.api}: the GraphQL URL the agent POSTs to
 * @param apiKey {@code cloud.api_key}
 * @param tenantId {@code cloud.tenant_id}; null when it must be looked up
 * @param authToken {@code cloud.agent.auth_token} (deprecated RUNNER token)
 * @param agentConfigId {@code --agent-config-id}; null when unset
 * @param name {@code cloud.agent.name}
 * @param labels {@code cloud.agent.labels}, de-duplicated, in the order given
 * @param envVars {@code cloud.agent.env_vars}: environment given to every flow container
 * @param maxPolls {@code --max-polls}; null means poll forever
 * @param agentAddress {@code cloud.agent.agent_address} as a URI with host and port; null = off
 * @param sendFlowRunLogs {@code cloud.send_flow_run_logs}, or false with {@code --no-cloud-logs}
 * @param agentLogLevel {@code cloud.agent.level}: DEBUG, INFO, WARNING or ERROR
 * @param flowLogLevel {@code logging.level}, forwarded to flows as {@code PREFECT__LOGGING__LEVEL}
 * @param jsonLogs {@code cloud.agent.log_format = "json"}: JSON lines instead of plain text
 * @param requestTimeout {@code cloud.request_timeout}
 * @param maxConcurrentLaunches {@code cloud.agent.max_concurrent_launches}: launch slots
 * @param ecs the ECS options
 * @param awsCredentials credentials from {@code context.secrets.AWS_CREDENTIALS}, or null to use
 *     the default AWS credentials chain
 * @param slackWebhookUrl {@code context.secrets.SLACK_WEBHOOK_URL}: where infrastructure failures
 *     of runs are posted; empty for none
 */
public record AgentConfig(
    Backend backend,
    URI api,
    Secret apiKey,
    String tenantId,
    Secret authToken,
    String agentConfigId,
    String name,
    List<String> labels,
    Map<String, String> envVars,
    Integer maxPolls,
    URI agentAddress,
    boolean sendFlowRunLogs,
    String agentLogLevel,
    String flowLogLevel,
    boolean jsonLogs,
    Duration requestTimeout,
    int maxConcurrentLaunches,
    EcsSettings ecs,
    AwsSecretCredentials awsCredentials,
    Secret slackWebhookUrl) {

  public AgentConfig {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(authToken, "authToken");
    Objects.requireNonNull(name, "name");
    labels = List.copyOf(labels);
    envVars = Collections.unmodifiableMap(new LinkedHashMap<>(envVars));
    Objects.requireNonNull(agentLogLevel, "agentLogLevel");
    Objects.requireNonNull(flowLogLevel, "flowLogLevel");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(ecs, "ecs");
    Objects.requireNonNull(slackWebhookUrl, "slackWebhookUrl");
    if (maxConcurrentLaunches < 1) {
      throw new IllegalArgumentException(
          "max_concurrent_launches must be at least 1, was " + maxConcurrentLaunches);
    }
  }

  /** A configuration without a Slack webhook. */
  public AgentConfig(
      Backend backend,
      URI api,
      Secret apiKey,
      String tenantId,
      Secret authToken,
      String agentConfigId,
      String name,
      List<String> labels,
      Map<String, String> envVars,
      Integer maxPolls,
      URI agentAddress,
      boolean sendFlowRunLogs,
      String agentLogLevel,
      String flowLogLevel,
      boolean jsonLogs,
      Duration requestTimeout,
      int maxConcurrentLaunches,
      EcsSettings ecs,
      AwsSecretCredentials awsCredentials) {
    this(
        backend,
        api,
        apiKey,
        tenantId,
        authToken,
        agentConfigId,
        name,
        labels,
        envVars,
        maxPolls,
        agentAddress,
        sendFlowRunLogs,
        agentLogLevel,
        flowLogLevel,
        jsonLogs,
        requestTimeout,
        maxConcurrentLaunches,
        ecs,
        awsCredentials,
        Secret.empty());
  }

  /** The core version the agent claims on the wire ({@code X-PREFECT-CORE-VERSION}). */
  public static final String CORE_VERSION = "0.15.13";
}
