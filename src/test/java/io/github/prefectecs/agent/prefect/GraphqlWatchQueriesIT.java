package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The task watcher's Prefect calls over the wire, validated by the schema of the server double. */
@Timeout(60)
class GraphqlWatchQueriesIT {
  private PrefectServerDouble server;
  private GraphqlPrefectApi api;
  private final Instant now = Instant.parse("2021-12-01T10:00:00Z");

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    server.clock().freeze(now);
    api =
        new GraphqlPrefectApi(
            GraphqlPrefectApiIT.settings(server.uri(), Secret.empty()),
            new OkHttpClient(),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    assertThat(server.validationErrors()).as("queries rejected by the schema").isEmpty();
    api.close();
    server.close();
  }

  @Test
  void statusesCarryTheStateMessageTheRunNameAndTheFlowName() {
    String flow = server.createFlow("etl");
    String run = server.createFlowRun(flow, List.of(), now);
    server.setFlowRunState(
        run, PrefectStates.scheduled("relaunch [spot-relaunch 1/3; FARGATE]", now));

    FlowRunStatus status = api.flowRunStatuses(List.of(run)).get(0);

    assertThat(status.state()).isEqualTo("Scheduled");
    assertThat(status.version()).isEqualTo(2);
    assertThat(status.serializedState().path("message").asText()).contains("spot-relaunch 1/3");
    assertThat(status.name()).isNotBlank();
    assertThat(status.flowName()).isEqualTo("etl");
  }

  @Test
  void heartbeatsOfManyRunsGoInOneRequest() {
    String flow = server.createFlow("etl");
    String a = server.createFlowRun(flow, List.of(), now);
    String b = server.createFlowRun(flow, List.of(), now);
    server.clock().freeze(now.plus(Duration.ofMinutes(7)));

    List<UpdateResult> results = api.heartbeatFlowRuns(List.of(a, b, a));

    assertThat(results).extracting(UpdateResult::runId).containsExactly(a, b);
    assertThat(results).allMatch(UpdateResult::isOk);
    assertThat(server.requestCount("update_flow_run_heartbeat")).isEqualTo(1);
    assertThat(server.flowRunColumn(a, "heartbeat")).isEqualTo(now.plus(Duration.ofMinutes(7)));
    assertThat(server.flowRunColumn(b, "heartbeat")).isEqualTo(now.plus(Duration.ofMinutes(7)));
  }
}
