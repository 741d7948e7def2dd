package io.github.prefectecs.agent.world;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Real flows through the built agent jar: Prefect 0.15.13's own flow runner ({@code prefect execute
 * flow-run}) runs in every task the agent starts, as the ECS front's local process, against the
 * Prefect Server double, its output going to CloudWatch (moto) and forwarded into the run's logs
 * ({@code non-prefect}). Runs that end in one task: success, a failing task, a flow that cannot be
 * loaded, a cancellation from the API.
 */
@Timeout(300)
@Execution(ExecutionMode.CONCURRENT)
class FlowRunsIT {
  private static final Duration RUN = Duration.ofSeconds(90);
  @TempDir static Path dir;
  private static AgentWithFlows flows;

  @BeforeAll
  static void start() throws Exception {
    flows =
        AgentWithFlows.start(
            Path.of("target", "agent.jar"),
            dir,
            AgentWithFlows.quickLifecycle(dir.resolve("tasks")),
            "hello.py",
            "failing.py",
            "broken.py",
            "long_task.py");
  }

  @AfterAll
  static void stop() {
    flows.close();
  }

  /** Waits until the run's single task has stopped and {@code line} has been forwarded. */
  private static TaskView settled(String run, String line) {
    Eventually.until(
        RUN,
        () -> "task stopped and '" + line + "' forwarded\n" + flows.report(run),
        () ->
            flows.front().tasksOf(run).stream().allMatch(TaskView::stopped)
                && flows.forwarded(run).contains(line));
    List<TaskView> tasks = flows.front().tasksOf(run);
    assertThat(tasks).as(flows.report(run)).hasSize(1);
    return tasks.get(0);
  }

  @Test
  void aFlowThatSucceedsEndsSuccessWithItsPrintLinesInTheRunLogsOnce() {
    String run = flows.run("hello", null);

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Success");
    TaskView task = settled(run, "goodbye from the hello flow");
    assertThat(flows.message(run)).isEqualTo("All reference tasks succeeded.");
    assertThat(flows.history(run))
        .containsSubsequence("Scheduled", "Submitted", "Running", "Success");
    assertThat(task.container("flow").exitCode()).isZero();
    assertThat(task.stopCode()).isEqualTo("EssentialContainerExited");
    assertThat(flows.forwarded(run))
        .as(flows.report(run))
        .containsExactly("hello from the hello flow", "goodbye from the hello flow");
    assertThat(flows.logsSaying(run, "a line from prefect.context.logger"))
        .as("Prefect's own log line, sent by Prefect and not forwarded again")
        .isEqualTo(1);
  }

  @Test
  void aFlowWhoseTaskFailsEndsFailedThoughItsProcessExitsZero() {
    String run = flows.run("failing", null);

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Failed");
    TaskView task = settled(run, "about to fail");
    assertThat(flows.message(run)).isEqualTo("Some reference tasks failed.");
    assertThat(task.container("flow").exitCode()).isZero();
    assertThat(flows.logsSaying(run, "about to fail")).as(flows.report(run)).isEqualTo(1);
    assertThat(flows.prefect().taskRuns(run))
        .singleElement()
        .satisfies(t -> assertThat(t.state()).isEqualTo("Failed"));
  }

  @Test
  void aFlowThatCannotBeLoadedEndsFailedWithTheLoadError() {
    String run = flows.run("broken", null);

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Failed");
    Eventually.until(
        RUN,
        () -> "task stopped\n" + flows.report(run),
        () -> flows.front().tasksOf(run).stream().allMatch(TaskView::stopped));
    assertThat(flows.message(run))
        .startsWith("Failed to load and execute Flow's environment: ModuleNotFoundError")
        .contains("module_missing_in_the_flow_image");
    List<TaskView> tasks = flows.front().tasksOf(run);
    assertThat(tasks).hasSize(1);
    assertThat(tasks.get(0).container("flow").exitCode()).isEqualTo(1);
    assertThat(flows.forwarded(run)).doesNotContain("never printed");
  }

  @Test
  void aFlowCancelledFromTheApiEndsCancelledAndItsTaskStops() {
    String run = flows.run("long-task", Map.of("seconds", 600));
    Eventually.until(
        RUN,
        () -> "the long task at work\n" + flows.report(run),
        () -> flows.forwarded(run).contains("working: 2 of 600 seconds"));

    flows.prefect().user().cancelFlowRun(run);

    assertThat(flows.awaitFinished(run, RUN)).as(flows.report(run)).isEqualTo("Cancelled");
    Eventually.until(
        RUN,
        () -> "task stopped\n" + flows.report(run),
        () -> flows.front().tasksOf(run).stream().allMatch(TaskView::stopped));
    List<TaskView> tasks = flows.front().tasksOf(run);
    assertThat(tasks).as(flows.report(run)).hasSize(1);
    assertThat(tasks.get(0).container("flow").exitCode()).isNotNull();
    assertThat(flows.logsSaying(run, "working: 1 of 600 seconds")).isEqualTo(1);
    assertThat(flows.forwarded(run)).doesNotContain("work done");
  }
}
