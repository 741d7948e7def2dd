package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiSettings;
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
 * A launch is refused, and the Failed state cannot be written at first (the API answers 503 to
 * every try of the first request): the agent writes it later instead of only logging.
 */
@Timeout(120)
class FailedStateRetryIT {

  @Test
  void aFailedStateThatCouldNotBeWrittenIsWrittenLater() {
    RecordingLauncher launcher = new RecordingLauncher();
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      String run = server.createFlowRun(flow, List.of(), Instant.now().minusSeconds(1));
      launcher.reject(run, "the image does not exist");
      // every HTTP attempt of the first Failed write is refused, so that write fails as a whole
      server.loseAnswers(
          PrefectApiSettings.DEFAULT_MAX_ATTEMPTS,
          "set_flow_run_states",
          "Failed",
          Mode.UNAVAILABLE,
          Duration.ZERO);
      AgentConfig config = TestConfigs.server(server.uri(), List.of());
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(tenant -> launcher)
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(90),
            () -> "run marked Failed; state " + server.flowRunState(run),
            () -> "Failed".equals(server.flowRunState(run)));
      } finally {
        agent.close();
      }
      assertThat(server.flowRunSerializedState(run).path("message").asText())
          .isEqualTo("the image does not exist");
    }
  }
}
