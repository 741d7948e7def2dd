package io.github.prefectecs.agent.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.prefect.server.RecordedRequest;
import io.github.prefectecs.agent.prefect.server.TaskRunRecord;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.FlowProcess;
import io.github.prefectecs.agent.testsupport.PrefectFlows;
import io.github.prefectecs.agent.testsupport.PrefectFlows.Registration;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefect Core 0.15.13's own flow runner ({@code prefect execute flow-run}, a local process with
 * the agent's environment) against the Prefect Server double, for flows registered the way users
 * register them. Every request it sends must validate against the schema subset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(90)
class FlowRunnerIT {
  private static final List<String> LABELS = List.of("flow-tests");
  private static final Duration RUN = Duration.ofSeconds(45);

  private PrefectServerDouble server;
  private Registration hello;
  private Registration failing;
  private Registration retryLater;
  private Registration approval;
  private Registration broken;
  private Registration longTask;

  @BeforeAll
  void registerFlows() {
    server = PrefectServerDouble.start();
    List<Registration> flows =
        PrefectFlows.register(
            server.uri(),
            "flow-tests",
            LABELS,
            false,
            PrefectFlows.flowFile("hello.py"),
            PrefectFlows.flowFile("failing.py"),
            PrefectFlows.flowFile("retry_later.py"),
            PrefectFlows.flowFile("approval.py"),
            PrefectFlows.flowFile("broken.py"),
            PrefectFlows.flowFile("long_task.py"));
    hello = flows.get(0);
    failing = flows.get(1);
    retryLater = flows.get(2);
    approval = flows.get(3);
    broken = flows.get(4);
    longTask = flows.get(5);
  }

  @AfterEach
  void everyRequestValidated() {
    assertThat(server.validationErrors()).isEmpty();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private FlowProcess runner(Registration flow, String flowRunId) {
    return PrefectFlows.startRunner(server.uri(), flowRunId, flow.flowId());
  }

  @Test
  void successfulFlowPrintsToStdoutAndSendsPrefectLogLinesThroughTheApi() {
    String run = server.user().createFlowRun(hello.flowId(), null);
    int before = server.requestCount();

    try (FlowProcess runner = runner(hello, run)) {
      assertThat(runner.waitFor(RUN)).isZero();
      assertThat(runner.output())
          .contains("hello from the hello flow", "goodbye from the hello flow");
    }

    assertThat(server.flowRunState(run)).isEqualTo("Success");
    assertThat(server.flowRunColumn(run, "state_message"))
        .isEqualTo("All reference tasks succeeded.");
    assertThat(server.taskRun(run, "say_hello").state()).isEqualTo("Success");
    assertThat(server.logs(run))
        .extracting(LogRecord::name, LogRecord::message)
        .contains(
            tuple("prefect.CloudFlowRunner", "Beginning Flow run for 'hello'"),
            tuple("prefect.say_hello", "a line from prefect.context.logger"));
    assertThat(server.logs(run))
        .extracting(LogRecord::message)
        .noneMatch(message -> message.contains("hello from the hello flow"));
    List<RecordedRequest> all = server.requests();
    List<RecordedRequest> sent = all.subList(before, all.size());
    assertThat(sent)
        .flatExtracting(RecordedRequest::rootFields)
        .contains(
            "flow_run",
            "flow_run_by_pk",
            "set_flow_run_states",
            "update_flow_run_heartbeat",
            "get_or_create_task_run_info",
            "set_task_run_states",
            "write_run_logs");
  }

  @Test
  void failingTaskFailsTheRunWhileTheProcessExitsZero() {
    String run = server.user().createFlowRun(failing.flowId(), null);

    try (FlowProcess runner = runner(failing, run)) {
      assertThat(runner.waitFor(RUN)).isZero();
      assertThat(runner.output()).contains("about to fail", "this task fails on purpose");
    }

    assertThat(server.flowRunState(run)).isEqualTo("Failed");
    assertThat(server.flowRunColumn(run, "state_message"))
        .isEqualTo("Some reference tasks failed.");
    assertThat(server.taskRun(run, "fail").state()).isEqualTo("Failed");
  }

  @Test
  void longRetryLeavesTheRunRunningUntilItsStartTimeThenASecondRunnerFinishesIt() {
    String run = server.user().createFlowRun(retryLater.flowId(), null);

    try (FlowProcess first = runner(retryLater, run)) {
      assertThat(first.waitFor(RUN)).isZero();
      assertThat(first.output())
          .contains("flaky attempt 1", "Flow run RUNNING: terminal tasks are incomplete.");
    }
    TaskRunRecord flaky = server.taskRun(run, "flaky");
    Instant now = Instant.now();
    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(flaky.state()).isEqualTo("Retrying");
    assertThat(flaky.stateStartTime())
        .isBetween(now.plus(Duration.ofMinutes(14)), now.plus(Duration.ofMinutes(16)));
    assertThat(flaky.serializedState().path("run_count").asInt()).isEqualTo(1);
    assertThat(server.user().runsInQueue(LABELS)).doesNotContain(run);

    server.startTaskRunNow(flaky.id());

    assertThat(server.user().runsInQueue(LABELS)).contains(run);
    try (FlowProcess second = runner(retryLater, run)) {
      assertThat(second.waitFor(RUN)).isZero();
      assertThat(second.output()).contains("flaky attempt 2", "flaky succeeded");
    }
    assertThat(server.flowRunState(run)).isEqualTo("Success");
    assertThat(server.taskRun(run, "flaky").state()).isEqualTo("Success");
  }

  @Test
  void pausedTaskWaitsWithoutStartTimeUntilApprovedThroughTheApiThenASecondRunnerFinishesIt() {
    String run = server.user().createFlowRun(approval.flowId(), null);

    try (FlowProcess first = runner(approval, run)) {
      assertThat(first.waitFor(RUN)).isZero();
      assertThat(first.output()).contains("prepared").doesNotContain("deployed after approval");
    }
    TaskRunRecord deploy = server.taskRun(run, "deploy");
    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(server.taskRun(run, "prepare").state()).isEqualTo("Success");
    assertThat(deploy.state()).isEqualTo("Paused");
    // Core 0.15.13's Paused has no start time (its docstring's "10 years from now" is not what
    // it does), so the run is not due until someone resumes the task run
    assertThat(deploy.stateStartTime()).isNull();
    assertThat(deploy.serializedState().path("start_time").isNull()).isTrue();
    assertThat(server.user().runsInQueue(LABELS)).doesNotContain(run);

    server.user().approveTaskRun(deploy.id());

    assertThat(server.taskRun(run, "deploy").state()).isEqualTo("Resume");
    assertThat(server.user().runsInQueue(LABELS)).contains(run);
    try (FlowProcess second = runner(approval, run)) {
      assertThat(second.waitFor(RUN)).isZero();
      assertThat(second.output()).contains("deployed after approval");
    }
    assertThat(server.flowRunState(run)).isEqualTo("Success");
  }

  @Test
  void flowThatCannotBeLoadedIsFailedByTheCliWhichExitsOne() {
    String run = server.user().createFlowRun(broken.flowId(), null);

    try (FlowProcess runner = runner(broken, run)) {
      assertThat(runner.waitFor(RUN)).isEqualTo(1);
      assertThat(runner.output()).contains("No module named 'module_missing_in_the_flow_image'");
    }

    String message =
        "Failed to load and execute Flow's environment: ModuleNotFoundError(\"No module named"
            + " 'module_missing_in_the_flow_image'\")";
    assertThat(server.flowRunState(run)).isEqualTo("Failed");
    assertThat(server.flowRunColumn(run, "state_message")).isEqualTo(message);
    assertThat(server.logs(run))
        .extracting(LogRecord::name, LogRecord::level, LogRecord::message)
        .contains(tuple("execute flow-run", "ERROR", message));
  }

  @Test
  void cancellingARunningFlowMakesItsRunnerWriteCancelled() {
    String run = server.user().createFlowRun(longTask.flowId(), Map.of("seconds", 600));
    Map<String, String> env = new LinkedHashMap<>(agentEnvironment(longTask, run));
    // a run config's env may set this; the default check every 15 s would only slow the test
    env.put("PREFECT__CLOUD__CHECK_CANCELLATION_INTERVAL", "1");

    try (FlowProcess runner = PrefectFlows.startRunner(env)) {
      Eventually.until(RUN, "the long task to work", () -> runner.printed("working: 1 of 600"));

      assertThat(server.user().cancelFlowRun(run)).isEqualTo("Cancelling");

      assertThat(runner.waitFor(RUN)).isZero();
      assertThat(runner.output()).contains("Flow run has been cancelled, cancelling active tasks");
    }
    assertThat(server.flowRunState(run)).isEqualTo("Cancelled");
    assertThat(server.flowRunColumn(run, "state_message")).isEqualTo("Flow run is cancelled");
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Cancelled");
  }

  @Test
  void sigtermOfASpotInterruptionEndsTheRunnerWith143AndLeavesTheRunRunning() {
    String run = server.user().createFlowRun(longTask.flowId(), Map.of("seconds", 600));

    try (FlowProcess interrupted = runner(longTask, run)) {
      Eventually.until(
          RUN, "the long task to work", () -> interrupted.printed("working: 1 of 600"));

      assertThat(interrupted.terminate(RUN)).isEqualTo(143);
    }

    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Running");
  }

  @Test
  void relaunchSkipsATaskLeftRunningByAKilledProcessUntilARestartResetsIt(@TempDir Path dir) {
    String marker = dir.resolve("work-started").toString();
    String run =
        server.user().createFlowRun(longTask.flowId(), Map.of("seconds", 600, "marker", marker));
    try (FlowProcess killed = runner(longTask, run)) {
      Eventually.until(RUN, "the long task to work", () -> killed.printed("working: 1 of 600"));
      killed.kill();
    }
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Running");

    try (FlowProcess relaunched = runner(longTask, run)) {
      assertThat(relaunched.waitFor(RUN)).isZero();
      assertThat(relaunched.output())
          .contains("Flow run RUNNING: terminal tasks are incomplete.")
          .doesNotContain("working:");
    }
    assertThat(server.flowRunState(run)).isEqualTo("Running");
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Running");

    server.user().restartFlowRun(run);
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Pending");
    assertThat(server.flowRunState(run)).isEqualTo("Scheduled");
    server.setFlowRunState(
        run,
        PrefectStates.submitted(
            server.flowRunSerializedState(run), PrefectStates.FLOW_RUN_SUBMITTED));

    try (FlowProcess rerun = runner(longTask, run)) {
      assertThat(rerun.waitFor(RUN)).isZero();
      assertThat(rerun.output()).contains("resuming interrupted work", "work done");
    }
    assertThat(server.flowRunState(run)).isEqualTo("Success");
    assertThat(server.taskRun(run, "work").state()).isEqualTo("Success");
  }

  private Map<String, String> agentEnvironment(Registration flow, String run) {
    return PrefectFlows.agentEnvironment(server.uri(), run, flow.flowId());
  }
}
