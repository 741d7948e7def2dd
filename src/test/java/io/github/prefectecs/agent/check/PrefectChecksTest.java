package io.github.prefectecs.agent.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The Prefect checks' decisions for Cloud and Server identities, against a scripted API. */
class PrefectChecksTest {
  private static final URI API = URI.create("https://api.prefect.io");

  private static AgentConfig config(Backend backend, String key, String token, String tenant) {
    return TestConfigs.withIdentity(
        TestConfigs.server(API, List.of("ecs")), backend, key, token, tenant);
  }

  private static String line(List<CheckResult> results, String name) {
    return results.stream()
        .filter(r -> r.name().equals(name))
        .map(CheckResult::line)
        .findFirst()
        .orElse("(none)");
  }

  @Test
  void cloudApiKeyWithoutTokenScopeIsAcceptedAndItsTenantLookedUp() {
    FakeApi api = new FakeApi();
    api.scope =
        () -> {
          throw new PrefectApiException(Kind.MALFORMED, "auth_info: no api_token_scope");
        };
    List<CheckResult> results =
        new PrefectChecks(config(Backend.CLOUD, "pcu_k", "", null), api).run();

    assertThat(line(results, PrefectChecks.AUTH))
        .isEqualTo("Prefect authentication: ok (API key accepted)");
    assertThat(line(results, PrefectChecks.TENANT)).isEqualTo("Prefect tenant: ok (tenant-1)");
    assertThat(results).allMatch(CheckResult::ok);
  }

  @Test
  void cloudWithNeitherKeyNorTokenIsAProblem() {
    List<CheckResult> results =
        new PrefectChecks(config(Backend.CLOUD, "", "", null), new FakeApi()).run();

    assertThat(line(results, PrefectChecks.AUTH))
        .startsWith(
            "Prefect authentication: problem: no API key for Prefect Cloud; fix: set cloud.api_key");
    assertThat(line(results, PrefectChecks.TENANT)).isEqualTo("(none)");
  }

  @Test
  void cloudTokenMustHaveRunnerScope() {
    FakeApi api = new FakeApi();
    api.scope = () -> "USER";
    List<CheckResult> user = new PrefectChecks(config(Backend.CLOUD, "", "tok", "t"), api).run();
    api.scope = () -> "RUNNER";
    List<CheckResult> runner = new PrefectChecks(config(Backend.CLOUD, "", "tok", "t"), api).run();

    assertThat(line(user, PrefectChecks.AUTH))
        .contains("problem: the token has scope USER, not RUNNER");
    assertThat(line(runner, PrefectChecks.AUTH)).contains("ok (RUNNER token accepted");
    assertThat(line(runner, PrefectChecks.TENANT)).isEqualTo("Prefect tenant: ok (configured: t)");
  }

  @Test
  void serverWithoutATenantIsAProblemSayingHowToCreateOne() {
    FakeApi api = new FakeApi();
    api.tenant =
        () -> {
          throw new PrefectApiException(Kind.GRAPHQL, "tenant: the server has no tenant");
        };
    List<CheckResult> results = new PrefectChecks(config(Backend.SERVER, "", "", null), api).run();

    assertThat(line(results, PrefectChecks.AUTH)).contains("ok (Prefect Server needs no API key)");
    assertThat(line(results, PrefectChecks.TENANT))
        .contains("problem: tenant: the server has no tenant")
        .contains("fix: create one (prefect server create-tenant --name default)");
  }

  @Test
  void anHttpErrorAtHelloNamesTheGraphqlEndpoint() {
    FakeApi api = new FakeApi();
    api.hello =
        () -> {
          throw new PrefectApiException(
              Kind.HTTP_STATUS, "hello: the API answered HTTP 404", 404, null);
        };
    List<CheckResult> results = new PrefectChecks(config(Backend.SERVER, "", "", null), api).run();

    assertThat(line(results, PrefectChecks.REACHABLE))
        .isEqualTo(
            "Prefect API: problem: the API answered HTTP 404; fix: point --api at the GraphQL"
                + " endpoint of Prefect Server (http://host:4200/graphql) or Cloud"
                + " (https://api.prefect.io)");
    assertThat(results).extracting(CheckResult::name).containsExactly("Prefect API", "labels");
  }

  /** Answers the read-only calls the checks make; the rest must never be called. */
  private static final class FakeApi implements PrefectApi {
    Supplier<String> scope = () -> "RUNNER";
    Supplier<String> tenant = () -> "tenant-1";
    Runnable hello = () -> {};

    @Override
    public String apiTokenScope() {
      return scope.get();
    }

    @Override
    public String defaultTenantId() {
      return tenant.get();
    }

    @Override
    public void hello() {
      hello.run();
    }

    @Override
    public String registerAgent(AgentRegistration registration) {
      throw new AssertionError("check must not register an agent");
    }

    @Override
    public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
      throw new AssertionError("check must not poll");
    }

    @Override
    public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
      throw new AssertionError("not a check call");
    }

    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {

      throw new AssertionError("not a check call");
    }

    @Override
    public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
      throw new AssertionError("not a check call");
    }

    @Override
    public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
      throw new AssertionError("not a check call");
    }

    @Override
    public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
      throw new AssertionError("not a check call");
    }

    @Override
    public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
      throw new AssertionError("not a check call");
    }

    @Override
    public void close() {}
  }
}
