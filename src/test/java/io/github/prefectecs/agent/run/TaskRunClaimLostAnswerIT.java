package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.Agent;
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
 * A run queued again by its task runs (the flow run stays Running) is claimed by setting its task
 * runs Submitted. When that write is applied but its answer is lost, the agent asks the server and
 * launches every run it holds, exactly once; the runs are never left with Submitted task runs and
 * no task.
 */
@Timeout(180)
class TaskRunClaimLostAnswerIT {
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
        new Agent(config, GraphqlPrefectApi.create(config), tenant -> launcher, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
  }

  @Test
  void taskRunClaimAnswered502AfterCommitLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.BAD_GATEWAY_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimWhoseConnectionIsCutAfterCommitLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.CUT_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimAnsweredCloudApiErrorAfterCommitLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.API_ERROR_AFTER_COMMIT, Duration.ZERO);
  }

  @Test
  void taskRunClaimCommittedAfterTheClientGaveUpLaunchesEveryRunOnce() {
    everyRunLaunchedOnce(Mode.LATE_COMMIT, Duration.ofSeconds(6));
  }

  private void everyRunLaunchedOnce(Mode mode, Duration delay) {
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
    for (String taskRun : taskRuns) {
      assertThat(server.taskRunState(taskRun)).as("state of %s", taskRun).isEqualTo("Submitted");
    }
  }
}
