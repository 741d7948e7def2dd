package io.github.prefectecs.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the agent talks to the Prefect API.
 *
 * @param backend {@code backend}
 * @param api {@code cloud.api}: the GraphQL URL the agent POSTs to
 * @param apiKey {@code cloud.api_key}
 * @param tenantId {@code cloud.tenant_id}; null when it must be looked up
 * @param authToken {@code cloud.agent.auth_token} (deprecated RUNNER token)
 * @param agentConfigId {@code --agent-config-id}; null when unset
 * @param requestTimeout {@code cloud.request_timeout}
 */
public record PrefectConnection(
    Backend backend,
    URI api,
    Secret apiKey,
    String tenantId,
    Secret authToken,
    String agentConfigId,
    Duration requestTimeout) {
  public PrefectConnection {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(authToken, "authToken");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** A Prefect Server connection at {@code api}: no key, no tenant, a 15 s request timeout. */
  public static PrefectConnection server(URI api) {
    return new PrefectConnection(
        Backend.SERVER, api, Secret.empty(), null, Secret.empty(), null, Duration.ofSeconds(15));
  }
}
