package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ECS start-up fails twice in a way the agent retries: the agent registers with the API once
 * and builds one launcher (with its HTTP clients), not one per attempt.
 */
@Timeout(120)
class StartupRetryIT {

  @Test
  void aRetriedEcsStartUpRegistersOnceAndBuildsOneLauncher() {
    AtomicInteger built = new AtomicInteger();
    AtomicInteger open = new AtomicInteger();
    AtomicInteger startFailures = new AtomicInteger(2);
    RecordingLauncher recording = new RecordingLauncher();
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      AgentConfig config = TestConfigs.server(server.uri(), List.of());
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(
                  tenant -> {
                    built.incrementAndGet();
                    open.incrementAndGet();
                    return new Launcher() {
                      @Override
                      public Map<String, String> start() {
                        if (startFailures.getAndDecrement() > 0) {
                          throw new RuntimeException("ListTasks throttled: Rate exceeded");
                        }
                        return recording.start();
                      }

                      @Override
                      public LaunchResult launch(FlowRun run, int attempt) {
                        return recording.launch(run, attempt);
                      }

                      @Override
                      public void forget(String flowRunId) {
                        recording.forget(flowRunId);
                      }

                      @Override
                      public void close() {
                        open.decrementAndGet();
                      }
                    };
                  })
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(60), "healthy", () -> agent.health().status().healthy());
        assertThat(server.requestCount("register_agent")).as("register_agent calls").isEqualTo(1);
        assertThat(server.agents()).hasSize(1);
        assertThat(built.get()).as("launchers built").isEqualTo(1);
      } finally {
        agent.close();
      }
      assertThat(open.get()).as("launchers left open").isZero();
    }
  }
}
