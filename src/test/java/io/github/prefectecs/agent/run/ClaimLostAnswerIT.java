package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A claim is applied by the server but its answer is lost: every run of the batch is still launched
 * exactly once, never stranded in Submitted. The claim is {@code set_flow_run_states(Submitted)}
 * for a Scheduled run, and {@code set_task_run_states(Submitted)} for a Running run queued again by
 * its retrying task runs (Server stops queueing such a run once they are Submitted).
 */
@Timeout(180)
class ClaimLostAnswerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(90);
  private PrefectServerDouble server;
  private Agent agent;
  private final RecordingLauncher launcher = new RecordingLauncher();

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    AgentConfig config = TestConfigs.server(server.uri(), List.of("dev"));
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> launcher)
            .clock(Clock.systemUTC())
            .build();
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
  }

  @Test
  void batchedClaimAnswered502AfterCommitLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.BAD_GATEWAY_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void batchedClaimWhoseConnectionIsCutAfterCommitLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.CUT_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void batchedClaimAnsweredCloudApiErrorAfterCommitLaunchesEveryRunOnce() {
    // Cloud's API_ERROR makes the transport re-send the mutation; the re-send meets our own claim
    everyRunLaunchedOnce(Mode.API_ERROR_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void claimCommittedSecondsAfterTheClientGaveUpLaunchesEveryRunOnce() {
    // the test config's request timeout is 3 s; the commit lands 3 s after the client gave up
    everyRunLaunchedOnce(Mode.LATE_COMMIT, Duration.ofSeconds(6));
  }

  private void everyRunLaunchedOnce(Mode mode, Duration delay) {
    List<String> runs = createRuns(10);
    server.loseAnswers(1, "set_flow_run_states", "Submitted", mode, delay);
    agent.start();
    Eventually.until(
        WAIT,
        () -> "all 10 runs launched (so far " + launcher.launchedRuns().size() + ")",
        () -> launcher.launchedRuns().containsAll(runs));
    Eventually.until(
        WAIT,
        "Submitted logs on every run",
        () ->
            runs.stream()
                .allMatch(
                    r ->
                        server.logs(r).stream()
                            .anyMatch(l -> l.message().startsWith("Submitted for execution"))));
    assertThat(launcher.launches()).doesNotHaveDuplicates().hasSameSizeAs(runs);
    for (String run : runs) {
      assertThat(server.flowRunState(run)).as("state of %s", run).isEqualTo("Submitted");
      assertThat(
              server.flowRunStateHistory(run).stream()
                  .filter(s -> s.path("type").asText().equals("Submitted")))
          .as("Submitted states of %s", run)
          .hasSize(1);
    }
    // The ten claims lost in one request are checked together: a query per round of checks.
    long statusQueries =
        server.requests().stream()
            .filter(r -> r.rootFields().contains("flow_run") && r.body().contains("agent_id"))
            .count();
    assertThat(statusQueries).isBetween(1L, 3L);
  }

  private List<String> createRuns(int n) {
    String flow = server.createFlow("etl");
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      runs.add(server.createFlowRun(flow, List.of("dev"), Instant.now().minusSeconds(1)));
    }
    return runs;
  }

  @Test
  void taskRunClaimAnswered502AfterCommitLaunchesEveryRunOnce() {
    everyRequeuedRunLaunchedOnce(Mode.BAD_GATEWAY_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimWhoseConnectionIsCutAfterCommitLaunchesEveryRunOnce() {
    everyRequeuedRunLaunchedOnce(Mode.CUT_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimAnsweredCloudApiErrorAfterCommitLaunchesEveryRunOnce() {
    everyRequeuedRunLaunchedOnce(Mode.API_ERROR_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimCommittedAfterTheClientGaveUpLaunchesEveryRunOnce() {
    everyRequeuedRunLaunchedOnce(Mode.LATE_COMMIT, Duration.ofSeconds(6));
  }

  private void everyRequeuedRunLaunchedOnce(Mode mode, Duration delay) {
    String flow = server.createFlow("etl");
    List<String> runs = new ArrayList<>();
    List<String> taskRuns = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String run = server.createFlowRun(flow, List.of("dev"), Instant.now().minusSeconds(60));
      server.setFlowRunState(
          run,
          JSON.createObjectNode()
              .put("type", "Running")
              .put("message", "Running flow.")
              .put("__version__", "0.15.13"));
      taskRuns.add(server.createTaskRun(run, "Retrying", Instant.now().minusSeconds(5)));
      runs.add(run);
    }
    server.loseAnswers(1, "set_task_run_states", "Submitted", mode, delay);
    agent.start();

    Eventually.until(
        WAIT,
        () -> "all 5 runs launched (so far " + launcher.launchedRuns().size() + ")",
        () -> launcher.launchedRuns().containsAll(runs));
    assertThat(launcher.launches()).doesNotHaveDuplicates().hasSameSizeAs(runs);
    for (String taskRun : taskRuns) {
      assertThat(server.taskRunState(taskRun)).as("state of %s", taskRun).isEqualTo("Submitted");
    }
  }
}
