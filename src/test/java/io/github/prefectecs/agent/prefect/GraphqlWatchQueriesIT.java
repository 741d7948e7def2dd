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

  @Test
  void runsWhoseTaskStoppedComeWithTheirOpenTaskRunsInTheSameRequest() {
    String flow = server.createFlow("etl");
    String stopped = server.createFlowRun(flow, List.of(), now);
    String live = server.createFlowRun(flow, List.of(), now);
    String retrying = server.createTaskRun(stopped, "Retrying", now.plus(Duration.ofMinutes(15)));
    server.createTaskRun(stopped, "Success", null);
    server.createTaskRun(live, "Running", null);
    int before = server.requestCount();

    List<FlowRunStatus> statuses = api.flowRunStatuses(List.of(stopped, live), List.of(stopped));

    assertThat(server.requestCount() - before).isEqualTo(1);
    assertThat(statuses).extracting(FlowRunStatus::id).containsExactlyInAnyOrder(stopped, live);
    FlowRunStatus withTasks =
        statuses.stream().filter(s -> s.id().equals(stopped)).findFirst().orElseThrow();
    assertThat(withTasks.openTaskRuns())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.id()).isEqualTo(retrying);
              assertThat(t.stateType()).isEqualTo("Retrying");
              assertThat(t.startTime()).contains(now.plus(Duration.ofMinutes(15)));
            });
    assertThat(
            statuses.stream()
                .filter(s -> s.id().equals(live))
                .findFirst()
                .orElseThrow()
                .openTaskRuns())
        .isEmpty();
  }

  @Test
  void strandedClaimsAreThisAgentsSubmittedRunsOlderThanTheBoundWithTheirDetails() {
    String agent =
        api.registerAgent(
            new AgentRegistration("ECSAgent", "agent", List.of(), server.defaultTenantId(), null));
    String flow = server.createFlow("etl");
    String old = server.createFlowRun(flow, List.of(), now);
    String fresh = server.createFlowRun(flow, List.of(), now);
    String other = server.createFlowRun(flow, List.of(), now);
    FlowRun oldRun = api.flowRuns(List.of(old), now).get(0);
    api.setFlowRunStates(
        List.of(
            new StateUpdate(
                old,
                oldRun.version(),
                PrefectStates.submitted(oldRun.serializedState(), "Submitted", "c", "0000000a"))));
    server.setFlowRunState(other, PrefectStates.submitted(null, "by nobody"));
    server.clock().freeze(now.plus(Duration.ofMinutes(6)));
    FlowRun freshRun = api.flowRuns(List.of(fresh), now).get(0);
    api.setFlowRunStates(
        List.of(
            new StateUpdate(
                fresh,
                freshRun.version(),
                PrefectStates.submitted(
                    freshRun.serializedState(), "Submitted", "c", "0000000b"))));

    List<FlowRun> stranded =
        api.strandedClaims(agent, now.plus(Duration.ofMinutes(6)).minus(Duration.ofMinutes(5)), 25);

    assertThat(stranded).extracting(FlowRun::id).containsExactly(old);
    assertThat(stranded.get(0).flow().name()).isEqualTo("etl");
    assertThat(PrefectStates.attemptOf(stranded.get(0).serializedState())).isEqualTo("0000000a");
  }
}
