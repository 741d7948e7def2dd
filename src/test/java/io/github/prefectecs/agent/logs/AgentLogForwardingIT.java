package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The agent wires log forwarding: group created at start, lines forwarded, flushed on close. */
@Timeout(120)
class AgentLogForwardingIT {
  private static final String GROUP = "/prefect/flow-runs";
  private final PrefectServerDouble server = PrefectServerDouble.start();
  private final FakeLogsApi logs = new FakeLogsApi(100, System::currentTimeMillis);

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void theAgentForwardsLinesAndOnCloseWritesTheLastLinesOfAnAbnormalStop() {
    String run = server.createFlowRun(server.createFlow("etl"), List.of(), Instant.now());
    AgentConfig config = TestConfigs.server(server.uri(), List.of());
    StreamSource source = new StreamSource(GROUP, "prefect", "flow");
    ForwarderSettings settings =
        ForwarderSettings.defaults(LogForwarding.NON_PREFECT)
            .withTiming(Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofMinutes(5));
    Agent agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> new RecordingLauncher())
            .clock(Clock.systemUTC())
            .logs(
                shared ->
                    CloudWatchForwarding.over(
                        settings,
                        logs,
                        arn -> Optional.of(source),
                        shared.writer(),
                        Clock.systemUTC(),
                        GROUP))
            .build();
    String taskArn = "arn:aws:ecs:us-east-1:1:task/flows/abc123";
    try {
      agent.start();
      Eventually.until(Duration.ofSeconds(30), "log group created", () -> logs.hasGroup(GROUP));
      agent.taskEvents().taskStarted(new TaskStart(run, taskArn, "arn:td/etl:1", Instant.now()));
      logs.put(GROUP, "prefect/flow/abc123", System.currentTimeMillis(), "hello from the flow");
      Eventually.until(
          Duration.ofSeconds(30),
          "the line in Prefect",
          () -> server.logs(run).stream().anyMatch(l -> l.message().equals("hello from the flow")));
      logs.put(GROUP, "prefect/flow/abc123", System.currentTimeMillis(), "Segmentation fault");
      agent
          .taskEvents()
          .taskStopped(new TaskStop(run, taskArn, Instant.now(), true, "exit code 139"));
    } finally {
      agent.close(); // the quiet period is 5 minutes: only the final read can write the evidence
    }
    List<LogRecord> lines = server.logs(run);
    assertThat(lines.stream().map(LogRecord::message))
        .contains("hello from the flow", "Segmentation fault");
    assertThat(lines)
        .filteredOn(l -> l.level().equals("ERROR"))
        .singleElement()
        .satisfies(
            l -> assertThat(l.message()).contains("exit code 139").endsWith("Segmentation fault"));
  }
}
