package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.Messages;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the Prefect API as {@code ecs start} would use it, with read-only queries only ({@code
 * hello}, {@code auth_info}, {@code tenant}): reachable, authenticated, tenant, labels. Never
 * registers an agent.
 *
 * <p>Not thread-safe; used once.
 */
final class PrefectChecks {
  static final String REACHABLE = "Prefect API";
  static final String AUTH = "Prefect authentication";
  static final String TENANT = "Prefect tenant";
  static final String LABELS = "labels";

  private final AgentConfig config;
  private final PrefectApi api;

  PrefectChecks(AgentConfig config, PrefectApi api) {
    this.config = config;
    this.api = api;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    String where = config.api() + " (backend " + config.backend().configName() + ")";
    boolean unauthenticated = false;
    try {
      api.hello();
      results.add(CheckResult.ok(REACHABLE, "answers at " + where));
    } catch (PrefectApiException e) {
      if (e.kind() != Kind.UNAUTHENTICATED) {
        results.add(unreachable(where, e));
        results.add(labels());
        return results;
      }
      results.add(CheckResult.ok(REACHABLE, "answers at " + where));
      unauthenticated = true;
    }
    CheckResult auth = unauthenticated ? rejected() : authentication();
    results.add(auth);
    if (auth.ok()) {
      results.add(tenant());
    }
    results.add(labels());
    return results;
  }

  private CheckResult unreachable(String where, PrefectApiException e) {
    String detail = Messages.firstLine(e);
    if (detail.startsWith("hello: ")) {
      detail = detail.substring("hello: ".length());
    }
    return switch (e.kind()) {
      case TRANSPORT ->
          CheckResult.problem(
              REACHABLE,
              detail + " (backend " + config.backend().configName() + ")",
              "start the Prefect API or correct the address with --api (cloud.api,"
                  + " PREFECT__CLOUD__API; for Prefect Server e.g. http://host:4200/graphql)");
      case HTTP_STATUS ->
          CheckResult.problem(
              REACHABLE,
              detail,
              "point --api at the GraphQL endpoint of Prefect Server (http://host:4200/graphql) or"
                  + " Cloud (https://api.prefect.io)");
      default ->
          CheckResult.problem(
              REACHABLE,
              detail,
              "point --api at a Prefect 1.x GraphQL API (Server or Cloud) that answers `hello`");
    };
  }

  private CheckResult rejected() {
    return CheckResult.problem(
        AUTH,
        "the API rejected the agent's credentials",
        "set a valid API key with --key (cloud.api_key, PREFECT__CLOUD__API_KEY)");
  }

  private CheckResult authentication() {
    boolean cloud = config.backend() == Backend.CLOUD;
    try {
      if (config.apiKey().isPresent()) {
        if (cloud) {
          verifyKey();
        }
        return CheckResult.ok(AUTH, "API key accepted");
      }
      if (!cloud) {
        return CheckResult.ok(AUTH, "Prefect Server needs no API key");
      }
      if (!config.authToken().isPresent()) {
        return CheckResult.problem(
            AUTH,
            "no API key for Prefect Cloud",
            "set cloud.api_key (--key or PREFECT__CLOUD__API_KEY); for a self-hosted Prefect"
                + " Server set PREFECT__BACKEND=server");
      }
      String scope = api.apiTokenScope();
      return "RUNNER".equals(scope)
          ? CheckResult.ok(AUTH, "RUNNER token accepted (deprecated: use an API key)")
          : CheckResult.problem(
              AUTH,
              "the token has scope " + scope + ", not RUNNER",
              "use an API key (--key) instead of a token");
    } catch (PrefectApiException e) {
      return e.kind() == Kind.UNAUTHENTICATED
          ? CheckResult.problem(
              AUTH,
              Messages.firstLine(e),
              "set a valid API key with --key (cloud.api_key, PREFECT__CLOUD__API_KEY)")
          : CheckResult.problem(
              AUTH, Messages.firstLine(e), "run the check again; if it persists, check the API");
    }
  }

  /** An API key on Cloud: {@code auth_info} answers without error; a key has no token scope. */
  private void verifyKey() {
    try {
      api.apiTokenScope();
    } catch (PrefectApiException e) {
      if (e.kind() != Kind.MALFORMED) {
        throw e;
      }
    }
  }

  private CheckResult tenant() {
    String configured = config.tenantId();
    if (configured != null && !configured.isBlank()) {
      return CheckResult.ok(TENANT, "configured: " + configured);
    }
    try {
      String tenant = api.defaultTenantId();
      return tenant == null || tenant.isBlank()
          ? noTenant("the API has no tenant")
          : CheckResult.ok(TENANT, tenant);
    } catch (PrefectApiException e) {
      return noTenant(Messages.firstLine(e));
    }
  }

  private CheckResult noTenant(String problem) {
    return CheckResult.problem(
        TENANT,
        problem,
        config.backend() == Backend.CLOUD
            ? "use an API key tied to a tenant, or set --tenant-id (cloud.tenant_id)"
            : "create one (prefect server create-tenant --name default) or set --tenant-id"
                + " (cloud.tenant_id)");
  }

  private CheckResult labels() {
    return config.labels().isEmpty()
        ? CheckResult.ok(LABELS, "none: only flow runs without labels will be picked up")
        : CheckResult.ok(
            LABELS,
            "flow runs whose labels are all among "
                + config.labels()
                + " will be picked up; add more with --label");
  }
}
