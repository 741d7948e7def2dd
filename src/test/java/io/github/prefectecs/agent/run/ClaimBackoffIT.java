package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.LostAnswers.Mode;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A run whose claim the server always answers with a GraphQL error (not "State update failed") is
 * backed off, not claimed again on every 250 ms poll; other runs are still launched.
 */
@Timeout(120)
class ClaimBackoffIT {
  @Test
  void aRunWhoseClaimAlwaysFailsIsBackedOff() {
    RecordingLauncher launcher = new RecordingLauncher();
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      String bad = server.createFlowRun(flow, List.of(), Instant.now().minusSeconds(1));
      server.loseAnswers(1_000, "set_flow_run_states", bad, Mode.GRAPHQL_ERROR, Duration.ZERO);
      AgentConfig config = TestConfigs.server(server.uri(), List.of());
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(tenant -> launcher)
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(Duration.ofSeconds(30), "a first claim", () -> claims(server, bad) >= 1);
        Instant first = Instant.now();
        String good = server.createFlowRun(flow, List.of(), Instant.now().minusSeconds(1));
        Eventually.until(
            Duration.ofSeconds(30),
            "10 s of polling",
            () -> Duration.between(first, Instant.now()).toSeconds() >= 10);
        assertThat(launcher.launchedRuns()).contains(good).doesNotContain(bad);
        // backed off 1, 2, 4, 8 s: at most five claims in ten seconds (every poll: about 40)
        assertThat(claims(server, bad)).isBetween(2L, 6L);
      } finally {
        agent.close();
      }
    }
  }

  private static long claims(PrefectServerDouble server, String run) {
    return server.requests().stream()
        .filter(r -> r.rootFields().contains("set_flow_run_states") && r.body().contains(run))
        .count();
  }
}
