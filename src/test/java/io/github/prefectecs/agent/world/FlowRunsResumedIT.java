package io.github.prefectecs.agent.world;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.server.TaskRunRecord;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Real flows through the built agent jar whose run needs a second task: a task retry due in 15
 * minutes (moved to now, once the agent has had three watcher ticks to see the first task's exit,
 * instead of waiting 15 minutes), a manual-approval pause resumed through the API, and a long flow
 * interrupted by Fargate Spot and relaunched on FARGATE. In each the first flow process ends with
 * the run still Running, on purpose (exit 0 with a scheduled-type task run) or killed.
 *
 * <p>These assert the correct end, Success after the second task. The agent on {@code main} as of
 * this test fails the first two when their first container exits 0 with the run left Running
 * ("exited without reporting a final state"), and the Spot relaunch cannot finish there (the second
 * flow process skips the task run the killed one left Running, exits 0, and the run is failed the
 * same way); the supervision fix makes them pass.
 */
@Timeout(420)
@Execution(ExecutionMode.CONCURRENT)
class FlowRunsResumedIT {
  private static final Duration RUN = Duration.ofSeconds(120);

  /**
   * How long the agent gets to act on a first task's exit before the test makes the next attempt
   * due (in production it has minutes to years): three of its 5 s watcher ticks.
   */
  private static final Duration AGENT_TICKS = Duration.ofSeconds(15);

  @TempDir static Path dir;
  private static AgentWithFlows flows;

  @BeforeAll
  static void start() throws Exception {
    flows =
        AgentWithFlows.start(
            Path.of("target", "agent.jar"),
            dir,
            AgentWithFlows.quickLifecycle(dir.resolve("tasks")),
            "retry_later.py",
            "approval.py",
            "long_task.py");
  }

  @AfterAll
  static void stop() {
    flows.close();
  }

  private static TaskRunRecord taskRunOnceFirstTaskStopped(String run, String task, String state) {
    Eventually.until(
        RUN,
        () -> "first task stopped with task run " + task + " " + state + "\n" + flows.report(run),
        () ->
            flows.front().tasksOf(run).size() == 1
                && flows.front().tasksOf(run).get(0).stopped()
                && state.equals(flows.prefect().taskRun(run, task).state()));
    return flows.prefect().taskRun(run, task);
  }

  /** Waits until every task of the run has stopped and {@code line} has been forwarded. */
  private static List<TaskView> settled(String run, String line) {
    Eventually.until(
        RUN,
        () -> "tasks stopped and '" + line + "' forwarded\n" + flows.report(run),
        () ->
            flows.front().tasksOf(run).stream().allMatch(TaskView::stopped)
                && flows.forwarded(run).contains(line));
    return flows.front().tasksOf(run);
  }

  @Test
  void aRetryDueInFifteenMinutesRunsInASecondTaskAndTheRunSucceeds() {
    String run = flows.run("retry-later", null);
    TaskRunRecord flaky = taskRunOnceFirstTaskStopped(run, "flaky", "Retrying");
    assertThat(flaky.stateStartTime()).isAfter(java.time.Instant.now().plusSeconds(600));
    TaskView first = flows.front().tasksOf(run).get(0);
    assertThat(first.container("flow").exitCode()).isZero();
    flows.awaitAgentSawStop(run, first, AGENT_TICKS);
    assertThat(flows.prefect().flowRunState(run))
        .as("left Running by Prefect for the retry\n%s", flows.report(run))
        .isEqualTo("Running");

    flows.prefect().startTaskRunNow(flaky.id());
    flows.poke();

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Success");
    List<TaskView> tasks = settled(run, "flaky succeeded");
    assertThat(tasks).as(flows.report(run)).hasSize(2);
    assertThat(tasks).allSatisfy(t -> assertThat(t.container("flow").exitCode()).isZero());
    assertThat(flows.forwarded(run))
        .as(flows.report(run))
        .containsOnlyOnce("flaky attempt 1", "flaky attempt 2", "flaky succeeded");
  }

  @Test
  void aPausedApprovalResumedThroughTheApiRunsInASecondTaskAndTheRunSucceeds() {
    String run = flows.run("approval", null);
    TaskRunRecord deploy = taskRunOnceFirstTaskStopped(run, "deploy", "Paused");
    TaskView first = flows.front().tasksOf(run).get(0);
    assertThat(first.container("flow").exitCode()).isZero();
    flows.awaitAgentSawStop(run, first, AGENT_TICKS);
    assertThat(flows.prefect().flowRunState(run))
        .as("left Running by Prefect until approved\n%s", flows.report(run))
        .isEqualTo("Running");

    flows.prefect().user().approveTaskRun(deploy.id());
    flows.poke();

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Success");
    List<TaskView> tasks = settled(run, "deployed after approval");
    assertThat(tasks).as(flows.report(run)).hasSize(2);
    assertThat(flows.forwarded(run))
        .as(flows.report(run))
        .containsOnlyOnce("prepared", "deployed after approval");
  }

  @Test
  void aLongFlowInterruptedAsSpotIsRelaunchedOnFargateAndSucceeds() {
    String marker = dir.resolve("spot-marker").toString();
    String run = flows.run("long-task", Map.of("seconds", 600, "marker", marker));
    Eventually.until(
        RUN,
        () -> "the long task at work\n" + flows.report(run),
        () ->
            flows.front().tasksOf(run).size() == 1
                && flows
                    .front()
                    .output(flows.front().tasksOf(run).get(0).taskArn(), "flow")
                    .contains("working: 2 of 600 seconds"));
    TaskView spot = flows.front().tasksOf(run).get(0);
    assertThat(spot.capacityProvider()).isEqualTo("FARGATE_SPOT");

    flows.front().inject(spot.taskArn(), Fault.spotInterruption());

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Success");
    List<TaskView> tasks = settled(run, "work done");
    assertThat(tasks).as(flows.report(run)).hasSize(2);
    assertThat(tasks.get(0).stopCode()).isEqualTo("SpotInterruption");
    assertThat(tasks.get(0).stoppedReason()).isEqualTo("Your Spot Task was interrupted.");
    assertThat(tasks.get(0).container("flow").exitCode()).isEqualTo(143);
    assertThat(tasks.get(1).capacityProvider()).isEqualTo("FARGATE");
    assertThat(tasks.get(1).container("flow").exitCode()).isZero();
    assertThat(flows.forwarded(run))
        .as(flows.report(run))
        .containsOnlyOnce("working: 1 of 600 seconds", "resuming interrupted work", "work done");
  }
}
