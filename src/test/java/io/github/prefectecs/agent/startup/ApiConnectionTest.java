package io.github.prefectecs.agent.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiConnectionTest {

  @ParameterizedTest(name = "{0} at {1} -> warns: {2}")
  @CsvSource({
    "SERVER, http://localhost:4200, false",
    "SERVER, http://prefect-server.internal:4200/graphql, false",
    "SERVER, https://api.prefect.io, true",
    "CLOUD, https://api.prefect.io, false",
    "CLOUD, http://localhost:4200, true",
  })
  void warnsWhenBackendAndAddressDisagree(Backend backend, String api, boolean warns) {
    AgentConfig config =
        withBackend(TestConfigs.server(URI.create(api), List.of()), backend, "", "");
    String warning = ApiConnection.backendMismatch(config);
    if (warns) {
      assertThat(warning).contains(api).contains("PREFECT__BACKEND");
    } else {
      assertThat(warning).isNull();
    }
  }

  @Test
  void serverHandshakeLooksUpTheFirstTenantRegistersAndSaysHello() {
    FakeApi api = new FakeApi();
    AgentConfig config = TestConfigs.server(URI.create("http://localhost:4200"), List.of("dev"));

    ApiConnection.Connected connected = new ApiConnection(config, api).connect();

    assertThat(connected).isEqualTo(new ApiConnection.Connected("tenant-1", "agent-1"));
    assertThat(api.calls).containsExactly("defaultTenantId", "registerAgent", "hello");
    assertThat(api.registration)
        .isEqualTo(
            new AgentRegistration("ECSAgent", "test-agent", List.of("dev"), "tenant-1", null));
  }

  @Test
  void cloudWithoutKeyOrTokenIsRefusedWithoutCallingTheApi() {
    FakeApi api = new FakeApi();
    AgentConfig config =
        withBackend(
            TestConfigs.server(URI.create("https://api.prefect.io"), List.of()),
            Backend.CLOUD,
            "",
            "");

    assertThatThrownBy(() -> new ApiConnection(config, api).connect())
        .isInstanceOf(PrefectApiException.class)
        .hasMessageContaining("No API key")
        .satisfies(e -> assertThat(((PrefectApiException) e).retryable()).isFalse());
    assertThat(api.calls).isEmpty();
  }

  @Test
  void cloudLegacyTokenMustHaveRunnerScope() {
    FakeApi api = new FakeApi();
    api.scope = "USER";
    AgentConfig config =
        withBackend(
            TestConfigs.server(URI.create("https://api.prefect.io"), List.of()),
            Backend.CLOUD,
            "",
            "legacy-token");

    assertThatThrownBy(() -> new ApiConnection(config, api).connect())
        .hasMessageContaining("RUNNER scope")
        .hasMessageNotContaining("legacy-token");
  }

  @Test
  void cloudWithApiKeySkipsTheTokenCheckAndUsesTheConfiguredTenant() {
    FakeApi api = new FakeApi();
    AgentConfig base =
        withBackend(
            TestConfigs.server(URI.create("https://api.prefect.io"), List.of()),
            Backend.CLOUD,
            "key",
            "");
    AgentConfig config = withTenant(base, "configured-tenant");

    ApiConnection.Connected connected = new ApiConnection(config, api).connect();

    assertThat(connected.tenantId()).isEqualTo("configured-tenant");
    assertThat(api.calls).containsExactly("registerAgent", "hello");
  }

  private static AgentConfig withBackend(AgentConfig c, Backend backend, String key, String token) {
    return TestConfigs.withIdentity(c, backend, key, token, c.tenantId());
  }

  private static AgentConfig withTenant(AgentConfig c, String tenant) {
    return TestConfigs.withIdentity(
        c, c.backend(), c.apiKey().reveal(), c.authToken().reveal(), tenant);
  }

  private static final class FakeApi extends UnusedPrefectApi {
    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<io.github.prefectecs.agent.prefect.FlowRunStatus> flowRunStatuses(
        Collection<String> ids) {
      throw new UnsupportedOperationException();
    }

    final List<String> calls = new ArrayList<>();
    String scope = "RUNNER";
    AgentRegistration registration;

    @Override
    public String apiTokenScope() {
      calls.add("apiTokenScope");
      return scope;
    }

    @Override
    public String defaultTenantId() {
      calls.add("defaultTenantId");
      return "tenant-1";
    }

    @Override
    public String registerAgent(AgentRegistration r) {
      calls.add("registerAgent");
      registration = r;
      return "agent-1";
    }

    @Override
    public void hello() {
      calls.add("hello");
    }
  }
}
