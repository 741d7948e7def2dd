package io.github.prefectecs.agent.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HandshakeTest {
  private final AgentConfig config =
      TestConfigs.server(URI.create("http://127.0.0.1:4200"), List.of("dev"));
  private final GatedPrefectApi api = new GatedPrefectApi();

  @Test
  void tenantIsKnownWhileRegistrationIsStillWaiting() throws Exception {
    Handshake handshake = Handshake.start(config, api);

    assertThat(handshake.tenant()).isEqualTo("tenant-1");
    assertThat(api.registering.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(api.calls).doesNotContain("registered");

    api.registrationGate.countDown();
    assertThat(handshake.connected().agentId()).isEqualTo("agent-1");
    assertThat(api.calls).containsExactly("tenant", "register", "registered", "hello");
  }

  @Test
  void aFailedRegistrationIsThrownByConnectedAfterTheTenant() {
    PrefectApiException down =
        new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "connection refused");
    api.registrationFailure = down;
    api.registrationGate.countDown();
    Handshake handshake = Handshake.start(config, api);

    assertThat(handshake.tenant()).isEqualTo("tenant-1");
    assertThatThrownBy(handshake::connected).isSameAs(down);
  }

  @Test
  void aFailedTenantQueryIsThrownByBothSteps() {
    PrefectApiException refused =
        new PrefectApiException(PrefectApiException.Kind.UNAUTHENTICATED, "Invalid API key");
    api.tenantFailure = refused;
    Handshake handshake = Handshake.start(config, api);

    assertThatThrownBy(handshake::tenant).isSameAs(refused);
    assertThatThrownBy(handshake::connected).isSameAs(refused);
    assertThat(api.calls).containsExactly("tenant");
  }

  @Test
  void agentStartsEcsBesideRegistrationAndPollsOnlyOnceRegistered() throws Exception {
    CountDownLatch launcherStarted = new CountDownLatch(1);
    AtomicReference<String> launcherTenant = new AtomicReference<>();
    Launcher launcher =
        new Launcher() {
          @Override
          public Map<String, String> start() {
            launcherStarted.countDown();
            return Map.of();
          }

          @Override
          public LaunchResult launch(FlowRun run, int attempt) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void forget(String flowRunId) {}

          @Override
          public void close() {}
        };
    try (Agent agent =
        AgentAssembly.builder(config)
            .api(api)
            .launcher(
                tenant -> {
                  launcherTenant.set(tenant);
                  return launcher;
                })
            .clock(Clock.systemUTC())
            .build()) {
      agent.start();

      assertThat(launcherStarted.await(10, TimeUnit.SECONDS))
          .as("ECS start-up runs while register_agent has not answered")
          .isTrue();
      assertThat(launcherTenant.get()).isEqualTo("tenant-1");
      assertThat(api.calls).doesNotContain("registered", "poll");

      api.registrationGate.countDown();
      assertThat(api.polled.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(api.calls).containsSubsequence("register", "registered", "hello", "poll");
    }
  }
}
