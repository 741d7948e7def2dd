package io.github.prefectecs.agent.startup;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up handshake with the Prefect API, in the reference's order: the legacy RUNNER token
 * check (Cloud without an API key only), the tenant, {@code register_agent}, and {@code hello}.
 *
 * <p>Not thread-safe; used once from the start-up thread. Throws {@link PrefectApiException};
 * {@link PrefectApiException#retryable()} tells whether trying again may help.
 */
public final class ApiConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ApiConnection.class);

  /** The agent type registered with the API, as the reference's class name. */
  public static final String AGENT_TYPE = "ECSAgent";

  /**
   * A connected agent.
   *
   * @param tenantId the tenant the agent serves
   * @param agentId the id {@code register_agent} returned
   */
  public record Connected(String tenantId, String agentId) {}

  private final AgentConfig config;
  private final PrefectApi api;

  public ApiConnection(AgentConfig config, PrefectApi api) {
    this.config = config;
    this.api = api;
  }

  public Connected connect() {
    return connect(tenantId -> {});
  }

  /**
   * {@link #connect()}, telling {@code onTenant} the tenant as soon as it is known, before the
   * registration (the ECS launcher needs it and can start beside the registration).
   */
  public Connected connect(Consumer<String> onTenant) {
    if (config.backend() == Backend.CLOUD && !config.apiKey().isPresent()) {
      verifyRunnerToken();
    }
    String tenantId =
        config.tenantId() == null || config.tenantId().isBlank()
            ? api.defaultTenantId()
            : config.tenantId();
    onTenant.accept(tenantId);
    LOG.info(
        config.agentConfigId() == null
            ? "Registering agent..."
            : "Registering agent with config " + config.agentConfigId() + "...");
    String agentId =
        api.registerAgent(
            new AgentRegistration(
                AGENT_TYPE, config.name(), config.labels(), tenantId, config.agentConfigId()));
    LOG.info("Registration successful!");
    LOG.debug("Assigned agent id: {}", agentId);
    api.hello();
    return new Connected(tenantId, agentId);
  }

  private void verifyRunnerToken() {
    if (!config.authToken().isPresent()) {
      throw new PrefectApiException(
          PrefectApiException.Kind.UNAUTHENTICATED,
          "No API key or agent token provided for Prefect Cloud: set cloud.api_key"
              + " (--key or PREFECT__CLOUD__API_KEY); for a self-hosted Prefect Server set"
              + " PREFECT__BACKEND=server");
    }
    String scope = api.apiTokenScope();
    if (!"RUNNER".equals(scope)) {
      throw new PrefectApiException(
          PrefectApiException.Kind.UNAUTHENTICATED,
          "Provided token does not have a RUNNER scope; use an API key (--key) instead");
    }
  }

  /**
   * A one-line warning when the backend and the URL disagree (a server backend pointed at Prefect
   * Cloud, or the reverse), else null.
   */
  public static String backendMismatch(AgentConfig config) {
    String host = config.api().getHost() == null ? "" : config.api().getHost();
    boolean looksLikeCloud = host.equals("prefect.io") || host.endsWith(".prefect.io");
    if (config.backend() == Backend.SERVER && looksLikeCloud) {
      return "backend is 'server' but the API address "
          + config.api()
          + " is Prefect Cloud; set PREFECT__BACKEND=cloud (and an API key) or point --api at"
          + " your Prefect Server";
    }
    if (config.backend() == Backend.CLOUD && !looksLikeCloud) {
      return "backend is 'cloud' but the API address "
          + config.api()
          + " is not Prefect Cloud; for a self-hosted Prefect Server set PREFECT__BACKEND=server";
    }
    return null;
  }
}
