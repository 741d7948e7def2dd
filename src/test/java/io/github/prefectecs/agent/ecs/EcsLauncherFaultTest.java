package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.config;
import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.run;
import static io.github.prefectecs.agent.ecs.Fixtures.settings;
import static io.github.prefectecs.agent.ecs.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.testsupport.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;

class EcsLauncherFaultTest {

  private static final String[] CONFIGS = {
    "{\"type\":\"ECSRun\",\"image\":\"repo/a:1\"}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/b:1\",\"cpu\":512}",
    "{\"type\":\"ECSRun\",\"image\":\"repo/c:1\",\"env\":{\"X\":\"1\"}}"
  };

  @Test
  void steadyPathCostsOneRunTaskPerRunAndOneRegistrationPerDefinition() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();
    for (int i = 0; i < 10; i++) {
      assertThat(launcher.launch(run(uuid(i), json(CONFIGS[0])), 1))
          .isInstanceOf(LaunchResult.Launched.class);
    }
    assertThat(ecs.count("RunTask")).isEqualTo(10);
    assertThat(ecs.count("RegisterTaskDefinition")).isEqualTo(1);
    assertThat(ecs.count("DescribeTaskDefinition")).isEqualTo(1);
  }

  @Test
  void aThrottledStartUpListingIsRetryableNotFatal() {
    FakeEcsClient ecs = new FakeEcsClient().throttle(1.0);
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);

    assertThatThrownBy(launcher::start)
        .isInstanceOf(EcsLaunchException.class)
        .isNotInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Failed to list running tasks")
        .satisfies(e -> assertThat(((EcsLaunchException) e).retryable()).isTrue());
  }

  @Test
  void permanentFailuresAreRejectedWithTheirReasons() {
    FakeEcsClient ecs =
        new FakeEcsClient()
            .failures(
                r ->
                    List.of(
                        Failure.builder()
                            .arn("arn:x")
                            .reason("ATTRIBUTE")
                            .detail("missing attribute")
                            .build()));
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult result = launcher.launch(run(uuid(1), null), 1);

    assertThat(result).isInstanceOf(LaunchResult.Rejected.class);
    assertThat(((LaunchResult.Rejected) result).reason())
        .contains(uuid(1), "arn=arn:x", "reason=ATTRIBUTE", "detail=missing attribute");
  }

  @Test
  void transientFailuresAreRetryable() {
    FakeEcsClient ecs =
        new FakeEcsClient()
            .failures(
                r ->
                    List.of(
                        Failure.builder()
                            .reason("Timeout waiting for network interface provisioning")
                            .build()));
    EcsLauncher launcher =
        Fixtures.launcher(
            config(
                EcsSettings.builder()
                    .launchType("FARGATE")
                    .network(List.of("subnet-1"), List.of(), null)
                    .build()),
            ecs);
    launcher.start();

    LaunchResult result = launcher.launch(run(uuid(1), null), 1);

    assertThat(result).isInstanceOf(LaunchResult.Retryable.class);
    assertThat(((LaunchResult.Retryable) result).reason()).contains("network interface");
  }

  @Test
  void noSpotCapacityIsRetriedOnFargateWithANote() {
    FakeEcsClient ecs =
        new FakeEcsClient()
            .failures(
                r ->
                    r.capacityProviderStrategy().stream()
                            .anyMatch(i -> i.capacityProvider().equals("FARGATE_SPOT"))
                        ? List.of(
                            Failure.builder()
                                .reason(
                                    "Capacity is unavailable at this time. Please try again later")
                                .build())
                        : List.of());
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult result = launcher.launch(run(uuid(1), null), 1);

    assertThat(result).isInstanceOf(LaunchResult.Launched.class);
    assertThat(((LaunchResult.Launched) result).notes()).containsExactly(EcsLauncher.SPOT_FALLBACK);
    RunTaskRequest retry = ecs.runTaskRequests.get(1);
    assertThat(retry.capacityProviderStrategy())
        .singleElement()
        .satisfies(i -> assertThat(i.capacityProvider()).isEqualTo("FARGATE"));
    assertThat(retry.launchType()).isNull();
    assertThat(retry.clientToken()).isNotEqualTo(ecs.runTaskRequests.get(0).clientToken());
  }

  @Test
  void throttlingThatOutlastsRetriesIsRetryableNeverRejected() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();
    ecs.throttle(1.0);

    LaunchResult result = launcher.launch(run(uuid(1), null), 1);

    assertThat(result).isInstanceOf(LaunchResult.Retryable.class);
    assertThat(((LaunchResult.Retryable) result).reason()).contains("throttled");
  }

  @Test
  void restartAfterACrashFindsTheTaskAndDoesNotStartASecond() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher first = Fixtures.launcher(config(settings()), ecs);
    first.start();
    FlowRun run = run(uuid(7), null);
    LaunchResult.Launched started = (LaunchResult.Launched) first.launch(run, 1);
    String firstToken = ecs.runTaskRequests.get(0).clientToken();

    EcsLauncher restarted = Fixtures.launcher(config(settings()), ecs);
    Map<String, String> running = restarted.start();
    LaunchResult again = restarted.launch(run, 1);

    assertThat(running).containsEntry(uuid(7), started.taskArn());
    assertThat(again)
        .isEqualTo(
            new LaunchResult.Launched(started.taskArn(), List.of(EcsLauncher.ALREADY_RUNNING)));
    assertThat(ecs.count("RunTask")).isEqualTo(1);
    assertThat(firstToken).isEqualTo(uuid(7) + "-1");
  }

  @Test
  void retriesOfOneLaunchShareAClientTokenSoALostAnswerStartsNothingNew() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher a = Fixtures.launcher(config(settings()), ecs);
    a.start();
    FlowRun run = run(uuid(8), null);
    String arn =
        ((LaunchResult.Launched) a.launch(run, 1, new RunAttempt("0000abcd", 3))).taskArn();
    a.forget(run.id());

    String again =
        ((LaunchResult.Launched) a.launch(run, 2, new RunAttempt("0000abcd", 3))).taskArn();

    assertThat(again).isEqualTo(arn);
    assertThat(ecs.tasks()).hasSize(1);
    assertThat(ecs.runTaskRequests)
        .extracting(RunTaskRequest::clientToken)
        .containsOnly(uuid(8) + "-1-0000abcd");
  }

  @Test
  void aRelaunchOfTheSameRunVersionStartsANewTaskNotTheOldStoppedOne() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher a = Fixtures.launcher(config(settings()), ecs);
    a.start();
    FlowRun run = run(uuid(8), null);
    String first =
        ((LaunchResult.Launched) a.launch(run, 1, new RunAttempt("00000001", 3))).taskArn();
    ecs.stopTask(first, "Essential container in task exited");
    a.forget(run.id());

    String second =
        ((LaunchResult.Launched) a.launch(run, 1, new RunAttempt("00000002", 3))).taskArn();

    assertThat(second).isNotEqualTo(first);
    assertThat(ecs.tasks()).hasSize(2);
  }

  @Test
  void conflictExceptionNamingTheTaskStartedUnderTheTokenCountsAsLaunched() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher a = Fixtures.launcher(config(settings()), ecs);
    a.start();
    String first =
        ((LaunchResult.Launched) a.launch(run(uuid(9), null), 1, new RunAttempt("0000beef", 3)))
            .taskArn();
    a.forget(uuid(9));
    // the retry of that launch is rendered with other arguments: ECS answers ConflictException
    FlowRun rerendered = run(uuid(9), json("{\"type\":\"ECSRun\",\"cpu\":\"1024\"}"));

    LaunchResult result = a.launch(rerendered, 2, new RunAttempt("0000beef", 3));

    assertThat(result)
        .isInstanceOfSatisfying(
            LaunchResult.Launched.class,
            l -> {
              assertThat(l.taskArn()).isEqualTo(first);
              assertThat(l.notes()).isEmpty();
            });
    assertThat(ecs.tasks()).hasSize(1);
  }

  @Test
  void startUpListingAdoptsOnlyThisAgentsTasksByTagOrStartedBy() {
    FakeEcsClient ecs = new FakeEcsClient();
    AgentConfig config = config(settings());
    Tag ours = Tag.builder().key("prefect:agent").value(config.name()).build();
    Task tagged =
        ecs.addRunningTask(
            "someone",
            List.of(Tag.builder().key("prefect:flow-run-id").value(uuid(1)).build(), ours));
    Task byStartedBy = ecs.addRunningTask(uuid(2), List.of(ours));
    // another agent's task and a task without an agent tag share the cluster: not ours
    ecs.addRunningTask(
        uuid(3),
        List.of(
            Tag.builder().key("prefect:flow-run-id").value(uuid(3)).build(),
            Tag.builder().key("prefect:agent").value("other-agent").build()));
    ecs.addRunningTask(uuid(4), List.of());
    ecs.addRunningTask("ecs-svc/123", List.of());
    for (int i = 0; i < 150; i++) {
      ecs.addRunningTask("other-" + i, List.of());
    }
    EcsLauncher launcher = Fixtures.launcher(config, ecs);

    Map<String, String> running = launcher.start();

    assertThat(running)
        .containsOnly(
            Map.entry(uuid(1), tagged.taskArn()), Map.entry(uuid(2), byStartedBy.taskArn()));
    assertThat(ecs.count("DescribeTasks")).isEqualTo(2);
  }

  @Test
  @Timeout(60)
  void concurrentLaunchesUnderThrottlingStartEveryRunOnceAndRegisterEachDefinitionOnce()
      throws Exception {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();
    ecs.throttle(0.2);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    Map<String, String> launched = new ConcurrentHashMap<>();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        FlowRun run = run(uuid(i), json(CONFIGS[i % 3]));
        futures.add(
            pool.submit(
                () -> {
                  for (int attempt = 1; ; attempt++) {
                    LaunchResult result = launcher.launch(run, attempt);
                    if (result instanceof LaunchResult.Launched l) {
                      launched.put(run.id(), l.taskArn());
                      return null;
                    }
                    assertThat(result).isInstanceOf(LaunchResult.Retryable.class);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(launched).hasSize(200);
    assertThat(ecs.tasks()).hasSize(200);
    Map<String, Long> tasksPerRun =
        ecs.tasks().stream().collect(Collectors.groupingBy(Task::startedBy, Collectors.counting()));
    assertThat(tasksPerRun.values()).containsOnly(1L);
    assertThat(ecs.count("RegisterTaskDefinition"))
        .isBetween(3, 3 + ecs.count("RegisterTaskDefinition:throttled"));
    assertThat(ecs.count("RegisterTaskDefinition") - ecs.count("RegisterTaskDefinition:throttled"))
        .isEqualTo(3);
    assertThat(ecs.count("RunTask") - ecs.count("RunTask:throttled")).isEqualTo(200);
  }

  @Test
  void runConfigTaskDefinitionArnIsRunWithoutRegistration() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult result =
        launcher.launch(
            run(uuid(1), json("{\"type\":\"ECSRun\",\"task_definition_arn\":\"my-td:3\"}")), 1);

    assertThat(result).isInstanceOf(LaunchResult.Launched.class);
    assertThat(ecs.runTaskRequests.get(0).taskDefinition()).isEqualTo("my-td:3");
    assertThat(ecs.count("RegisterTaskDefinition") + ecs.count("DescribeTaskDefinition")).isZero();
  }

  @Test
  void badRunConfigIsRejectedWithoutCallingEcs() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult result = launcher.launch(run(uuid(1), json("{\"type\":\"LocalRun\"}")), 1);

    assertThat(result)
        .isEqualTo(
            new LaunchResult.Rejected(
                "Flow run "
                    + uuid(1)
                    + " has a `run_config` of type `LocalRun`, only `ECSRun` is supported"));
    assertThat(ecs.calls.keySet()).containsOnly("ListTasks");
  }

  @Test
  void aRevisionDeregisteredBySomeoneElseIsRegisteredAgainOnTheNextAttempt() {
    java.util.concurrent.atomic.AtomicBoolean inactive =
        new java.util.concurrent.atomic.AtomicBoolean();
    FakeEcsClient ecs =
        new FakeEcsClient() {
          @Override
          public software.amazon.awssdk.services.ecs.model.RunTaskResponse runTask(
              RunTaskRequest request) {
            if (inactive.getAndSet(false)) {
              throw software.amazon.awssdk.services.ecs.model.ClientException.builder()
                  .statusCode(400)
                  .message("TaskDefinition is inactive")
                  .build();
            }
            return super.runTask(request);
          }
        };
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();
    launcher.launch(run(uuid(1), null), 1);
    inactive.set(true);

    LaunchResult failed = launcher.launch(run(uuid(2), null), 1);
    LaunchResult retried = launcher.launch(run(uuid(2), null), 2);

    assertThat(failed).isInstanceOf(LaunchResult.Retryable.class);
    assertThat(retried).isInstanceOf(LaunchResult.Launched.class);
    assertThat(ecs.count("DescribeTaskDefinition")).isEqualTo(2);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"ECSRun\",\"run_task_kwargs\":{\"clustre\":\"x\"}}"
            + "|The RunTask arguments (run_task_kwargs) are not valid for ECS: unknown field"
            + " `clustre`|RunTask",
        "{\"type\":\"ECSRun\",\"task_definition\":{\"cpuu\":1}}"
            + "|The task definition is not valid for ECS: unknown field `cpuu`"
            + "|RegisterTaskDefinition"
      })
  void aFieldEcsDoesNotKnowIsRejectedNamingIt(
      String runConfig, String reason, String callNeverMade) {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher launcher = Fixtures.launcher(config(settings()), ecs);
    launcher.start();

    LaunchResult result = launcher.launch(run(uuid(1), json(runConfig)), 1);

    assertThat(result).isEqualTo(new LaunchResult.Rejected(reason));
    assertThat(ecs.count(callNeverMade)).isZero();
    assertThat(ecs.count("RunTask")).isZero();
  }

  @Test
  void agentFilesThatDoNotFitEcsFailStartUp(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path kwargs =
        java.nio.file.Files.writeString(dir.resolve("kwargs.yaml"), "lanchType: EC2\n");
    io.github.prefectecs.agent.config.EcsSettings settings =
        EcsSettings.builder().launchType("EC2").runTaskKwargs(kwargs.toString()).build();
    EcsLauncher launcher = Fixtures.launcher(config(settings), new FakeEcsClient());

    org.assertj.core.api.Assertions.assertThatThrownBy(launcher::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("unknown field `lanchType`")
        .hasMessageContaining("--run-task-kwargs");
  }

  @Test
  void aRunRescheduledWhileItsTaskLivesWaitsForThatTaskToStopThenStartsANewOne() {
    FakeEcsClient ecs = new FakeEcsClient();
    EcsLauncher a = Fixtures.launcher(config(settings()), ecs);
    a.start();
    FlowRun run = run(uuid(7), null);
    String old =
        ((LaunchResult.Launched) a.launch(run, 1, new RunAttempt("000000a1", 3))).taskArn();
    assertThat(a.previousTask(run.id())).isEqualTo(Launcher.PreviousTask.ALIVE);

    a.retirePrevious(run.id(), "Flow run was rescheduled (Rescheduled by a Lazarus process.)");

    assertThat(ecs.stopTaskRequests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.task()).isEqualTo(old);
              assertThat(r.reason()).contains("Rescheduled by a Lazarus process.");
            });
    LaunchResult waiting = a.launch(run, 1, new RunAttempt("000000b2", 5));
    assertThat(waiting).isInstanceOf(LaunchResult.Waiting.class);
    assertThat(((LaunchResult.Waiting) waiting).reason()).contains(old, "STOPPING");
    assertThat(ecs.tasks()).as("no second live task").hasSize(1);
    assertThat(ecs.stopTaskRequests).as("no second StopTask while it stops").hasSize(1);

    ecs.stopTask(old, "Task stopped by the agent");
    LaunchResult relaunched = a.launch(run, 1, new RunAttempt("000000b2", 5));

    assertThat(relaunched).isInstanceOf(LaunchResult.Launched.class);
    String fresh = ((LaunchResult.Launched) relaunched).taskArn();
    assertThat(fresh).isNotEqualTo(old);
    assertThat(ecs.runTaskRequests.get(1).tags())
        .extracting(t -> t.key() + "=" + t.value())
        .contains("prefect:attempt=000000b2", "prefect:run-version=5");
  }

  @Test
  void aPreviousTaskThatNeverStopsFailsTheRelaunchRatherThanRunTwoTasks() {
    FakeEcsClient ecs = new FakeEcsClient();
    ManualClock clock = new ManualClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    EcsLauncher a = Fixtures.launcher(config(settings()), ecs, clock);
    a.start();
    FlowRun run = run(uuid(6), null);
    String old =
        ((LaunchResult.Launched) a.launch(run, 1, new RunAttempt("000000a1", 3))).taskArn();
    a.retirePrevious(run.id(), "rescheduled");

    clock.advance(RunTasks.RETIRE_TIMEOUT);
    LaunchResult result = a.launch(run, 1, new RunAttempt("000000b2", 5));

    assertThat(result).isInstanceOf(LaunchResult.Rejected.class);
    assertThat(((LaunchResult.Rejected) result).reason())
        .contains(old, "did not stop within 10 min");
    assertThat(ecs.tasks()).hasSize(1);
  }
}
