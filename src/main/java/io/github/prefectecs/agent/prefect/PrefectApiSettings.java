package io.github.prefectecs.agent.prefect;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.support.Backoff;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link GraphqlPrefectApi} reaches the Prefect API.
 *
 * @param api the GraphQL URL ({@code cloud.api}); a trailing {@code /} is ignored
 * @param backend Cloud or Server
 * @param apiKey API key ({@code Authorization: Bearer}); empty for none
 * @param authToken deprecated RUNNER token, used only when there is no API key; empty for none
 * @param tenantId the configured tenant, or null to look it up
 * @param requestTimeout connect, read and write timeout of one HTTP attempt
 * @param coreVersion the value of {@code X-PREFECT-CORE-VERSION}
 * @param maxAttempts HTTP attempts per request (1 = no retry) for 5xx, 429, connection failures and
 *     malformed bodies
 * @param backoff delay between those attempts (full jitter); its cap also caps {@code Retry-After}
 * @param apiErrorRetries how often a Cloud {@code API_ERROR} answer is re-sent (reference: 6)
 * @param apiErrorDelay first delay before re-sending after {@code API_ERROR}, doubling (reference:
 *     0.25 s)
 */
public record PrefectApiSettings(
    URI api,
    Backend backend,
    Secret apiKey,
    Secret authToken,
    String tenantId,
    Duration requestTimeout,
    String coreVersion,
    int maxAttempts,
    Backoff backoff,
    int apiErrorRetries,
    Duration apiErrorDelay) {

  /** Default attempts per request. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  /** Default backoff between attempts: 250 ms doubling, capped at 10 s. */
  public static final Backoff DEFAULT_BACKOFF =
      new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));

  public PrefectApiSettings {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(backend, "backend");
    apiKey = apiKey == null ? Secret.empty() : apiKey;
    authToken = authToken == null ? Secret.empty() : authToken;
    tenantId = tenantId == null || tenantId.isBlank() ? null : tenantId;
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(coreVersion, "coreVersion");
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(apiErrorDelay, "apiErrorDelay");
    String scheme = api.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(
          "cloud.api must be an http:// or https:// URL, was '" + api + "'");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "cloud.request_timeout must be positive, was " + requestTimeout);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (apiErrorRetries < 0) {
      throw new IllegalArgumentException(
          "apiErrorRetries must not be negative, was " + apiErrorRetries);
    }
  }

  /** Settings with the default retry policy. */
  public static PrefectApiSettings of(
      URI api,
      Backend backend,
      Secret apiKey,
      Secret authToken,
      String tenantId,
      Duration requestTimeout,
      String coreVersion) {
    return new PrefectApiSettings(
        api,
        backend,
        apiKey,
        authToken,
        tenantId,
        requestTimeout,
        coreVersion,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_BACKOFF,
        6,
        Duration.ofMillis(250));
  }

  /** Settings taken from the agent's configuration, with the default retry policy. */
  public static PrefectApiSettings from(AgentConfig config) {
    return of(
        config.api(),
        config.backend(),
        config.apiKey(),
        config.authToken(),
        config.tenantId(),
        config.requestTimeout(),
        AgentConfig.CORE_VERSION);
  }

  /** A copy with another retry policy (tests use short delays). */
  public PrefectApiSettings withRetries(int attempts, Backoff delays, Duration apiErrorFirstDelay) {
    return new PrefectApiSettings(
        api,
        backend,
        apiKey,
        authToken,
        tenantId,
        requestTimeout,
        coreVersion,
        attempts,
        delays,
        apiErrorRetries,
        apiErrorFirstDelay);
  }

  @Override
  public String toString() {
    return "PrefectApiSettings[api="
        + api
        + ", backend="
        + backend.configName()
        + ", apiKey="
        + apiKey
        + ", authToken="
        + authToken
        + ", tenantId="
        + tenantId
        + ", requestTimeout="
        + requestTimeout
        + ", coreVersion="
        + coreVersion
        + ", maxAttempts="
        + maxAttempts
        + ", backoff="
        + backoff
        + "]";
  }
}
