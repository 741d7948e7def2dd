package io.github.prefectecs.agent.world;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The ECS front over the wire, with stand-in shell commands as containers: the lifecycle and what
 * DescribeTasks says at each step, exit codes and stop codes by cause (exit, StopTask, OOM, Spot,
 * failed start), SIGTERM then SIGKILL after the stop timeout, awslogs output in the right stream in
 * order, the environment a container gets, sidecars, and ECS's MISSING window.
 */
@Timeout(120)
@Execution(ExecutionMode.CONCURRENT)
class EcsFrontIT {
  private static final String CLUSTER = "front-cluster";
  private static final String GROUP = "/prefect/flow-runs";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static MotoServer moto;
  private static EcsFront front;
  private static EcsClient ecs;
  private static CloudWatchLogsClient logs;
  private static String subnet;
  private static String securityGroup;
  @TempDir static Path work;

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    Path bin = Files.createDirectories(work.resolve("flow-venv/bin"));
    front =
        EcsFront.start(
            moto, RunnerSettings.forTests(work.resolve("tasks")).withBinDirs(List.of(bin)));
    ecs = front.client();
    logs = moto.logs();
    try (MotoAccount account = MotoAccount.create(moto, CLUSTER)) {
      subnet = account.defaultSubnet();
      securityGroup = account.securityGroup();
    }
    logs.createLogGroup(r -> r.logGroupName(GROUP));
  }

  @AfterAll
  static void stop() {
    front.close();
    ecs.close();
    logs.close();
    moto.close();
  }

  // ---- helpers ----

  private static ContainerDefinition.Builder flowContainer() {
    return ContainerDefinition.builder()
        .name("flow")
        .image("prefecthq/prefect:0.15.13")
        .memory(512)
        .logConfiguration(
            l ->
                l.logDriver(LogDriver.AWSLOGS)
                    .options(
                        Map.of(
                            "awslogs-group", GROUP,
                            "awslogs-region", "us-east-1",
                            "awslogs-stream-prefix", "prefect")));
  }

  private static String definition(ContainerDefinition... containers) {
    return ecs.registerTaskDefinition(
            r ->
                r.family("front-" + UUID.randomUUID())
                    .networkMode("awsvpc")
                    .cpu("256")
                    .memory("512")
                    .containerDefinitions(containers))
        .taskDefinition()
        .taskDefinitionArn();
  }

  /** RunTask on FARGATE_SPOT with the flow container's command overridden by {@code script}. */
  private static Task run(String definition, String runId, String script) {
    return run(definition, runId, r -> {}, script);
  }

  private static Task run(
      String definition, String runId, Consumer<RunTaskRequest.Builder> more, String script) {
    RunTaskRequest.Builder request =
        RunTaskRequest.builder()
            .cluster(CLUSTER)
            .taskDefinition(definition)
            .startedBy(runId)
            .capacityProviderStrategy(s -> s.capacityProvider("FARGATE_SPOT").weight(1))
            .networkConfiguration(
                n -> n.awsvpcConfiguration(a -> a.subnets(subnet).securityGroups(securityGroup)))
            .tags(t -> t.key("prefect:flow-run-id").value(runId))
            .overrides(
                o -> o.containerOverrides(c -> c.name("flow").command("/bin/sh", "-c", script)));
    more.accept(request);
    return ecs.runTask(request.build()).tasks().get(0);
  }

  private static Task describe(String arn) {
    return ecs.describeTasks(r -> r.cluster(CLUSTER).tasks(arn)).tasks().get(0);
  }

  private static Task stopped(String arn) {
    Eventually.until(
        WAIT, () -> "task STOPPED: " + front.task(arn), () -> front.task(arn).stopped());
    return describe(arn);
  }

  private static void printed(String arn, String container, String line) {
    Eventually.until(
        WAIT,
        () -> container + " printed '" + line + "': " + front.output(arn, container),
        () -> front.output(arn, container).contains(line));
  }

  private static List<OutputLogEvent> events(String stream) {
    List<OutputLogEvent> events = new ArrayList<>();
    String token = null;
    while (true) {
      String from = token;
      var page =
          logs.getLogEvents(
              r -> r.logGroupName(GROUP).logStreamName(stream).startFromHead(true).nextToken(from));
      events.addAll(page.events());
      if (page.nextForwardToken() == null || page.nextForwardToken().equals(from)) {
        return events;
      }
      token = page.nextForwardToken();
    }
  }

  private static boolean streamExists(String stream) {
    return logs
        .describeLogStreams(r -> r.logGroupName(GROUP).logStreamNamePrefix(stream))
        .logStreams()
        .stream()
        .anyMatch(s -> s.logStreamName().equals(stream));
  }

  private static String id(Task task) {
    return task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
  }

  // ---- tests ----

  @Test
  void aTaskGoesFromProvisioningThroughRunningToStoppedWithItsExitCode() {
    String definition = definition(flowContainer().build());
    Task started = run(definition, "run-exit-3", "echo working; sleep 1; exit 3");
    assertThat(started.lastStatus()).isEqualTo("PROVISIONING");
    assertThat(started.desiredStatus()).isEqualTo("RUNNING");
    assertThat(started.launchTypeAsString()).isEqualTo("FARGATE");
    assertThat(started.capacityProviderName()).isEqualTo("FARGATE_SPOT");
    assertThat(started.containers())
        .singleElement()
        .satisfies(c -> assertThat(c.exitCode()).isNull());

    List<String> seen = new ArrayList<>(List.of(started.lastStatus()));
    Eventually.until(
        WAIT,
        () -> "RUNNING after " + seen,
        () -> {
          String status = describe(started.taskArn()).lastStatus();
          if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status)) {
            seen.add(status);
          }
          return status.equals("RUNNING");
        });
    assertThat(List.of("PROVISIONING", "PENDING", "RUNNING")).containsSubsequence(seen);
    assertThat(describe(started.taskArn()).containers().get(0).lastStatus()).isEqualTo("RUNNING");

    Task task = stopped(started.taskArn());
    assertThat(task.desiredStatus()).isEqualTo("STOPPED");
    assertThat(task.stopCodeAsString()).isEqualTo("EssentialContainerExited");
    assertThat(task.stoppedReason()).isEqualTo("Essential container in task exited");
    assertThat(task.containers())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.exitCode()).isEqualTo(3);
              assertThat(c.lastStatus()).isEqualTo("STOPPED");
              assertThat(c.name()).isEqualTo("flow");
            });
    assertThat(task.createdAt())
        .isBeforeOrEqualTo(task.pullStartedAt())
        .isBeforeOrEqualTo(task.pullStoppedAt())
        .isBeforeOrEqualTo(task.startedAt())
        .isBeforeOrEqualTo(task.executionStoppedAt())
        .isBeforeOrEqualTo(task.stoppedAt());
    assertThat(Duration.between(task.startedAt(), task.executionStoppedAt()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void outputReachesTheAwslogsStreamOfTheContainerInOrderStampedWhenPrinted() {
    String definition = definition(flowContainer().build());
    Task task =
        run(
            definition,
            "run-logs",
            "i=0; while [ $i -lt 1500 ]; do echo \"line $i\"; i=$((i+1)); done;"
                + " echo 'to stderr' >&2; sleep 1; echo last");
    String stream = "prefect/flow/" + id(task);

    Task done = stopped(task.taskArn());
    long created =
        logs.describeLogStreams(r -> r.logGroupName(GROUP).logStreamNamePrefix(stream))
            .logStreams()
            .get(0)
            .creationTime();
    assertThat(created)
        .as("the stream is created as the container starts, not at RunTask")
        .isGreaterThanOrEqualTo(done.startedAt().toEpochMilli());
    assertThat(done.containers().get(0).exitCode()).isZero();
    List<OutputLogEvent> events = events(stream);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      expected.add("line " + i);
    }
    expected.add("to stderr");
    expected.add("last");
    assertThat(events.stream().map(OutputLogEvent::message).toList())
        .containsExactlyElementsOf(expected);
    assertThat(events.stream().map(OutputLogEvent::timestamp).toList()).isSorted();
    long startedAt = done.startedAt().toEpochMilli();
    assertThat(events.get(0).timestamp()).isGreaterThanOrEqualTo(startedAt);
    assertThat(events.get(events.size() - 1).timestamp() - events.get(1500).timestamp())
        .as("the last line was printed a second after the others")
        .isGreaterThanOrEqualTo(900);
  }

  @Test
  void theContainerGetsTheDefinitionsEnvironmentWithTheOverridesOnTopAndItsSecretsOnly()
      throws Exception {
    MotoWire wire = new MotoWire(moto.endpoint());
    String secretArn =
        wire.call(
                "secretsmanager",
                "secretsmanager.CreateSecret",
                MotoWire.JSON
                    .createObjectNode()
                    .put("Name", "prefect-api-key")
                    .put("SecretString", "s3cret"))
            .path("ARN")
            .asText();
    String jsonSecretArn =
        wire.call(
                "secretsmanager",
                "secretsmanager.CreateSecret",
                MotoWire.JSON
                    .createObjectNode()
                    .put("Name", "database")
                    .put("SecretString", "{\"user\": \"flows\", \"password\": \"pw\"}"))
            .path("ARN")
            .asText();
    wire.call(
        "ssm",
        "AmazonSSM.PutParameter",
        MotoWire.JSON
            .createObjectNode()
            .put("Name", "/flows/token")
            .put("Value", "from-ssm")
            .put("Type", "SecureString"));
    String definition =
        definition(
            flowContainer()
                .entryPoint("/bin/sh", "-c")
                .command("echo from the definition")
                .environment(
                    KeyValuePair.builder().name("FROM_DEFINITION").value("d").build(),
                    KeyValuePair.builder().name("OVERRIDDEN").value("definition").build())
                .secrets(
                    s -> s.name("PREFECT__CLOUD__API_KEY").valueFrom(secretArn),
                    s -> s.name("DB_PASSWORD").valueFrom(jsonSecretArn + ":password::"),
                    s ->
                        s.name("TOKEN")
                            .valueFrom("arn:aws:ssm:us-east-1:123456789012:parameter/flows/token"))
                .build());
    Task task =
        ecs.runTask(
                r ->
                    r.cluster(CLUSTER)
                        .taskDefinition(definition)
                        .launchType("FARGATE")
                        .startedBy("run-env")
                        .networkConfiguration(
                            n ->
                                n.awsvpcConfiguration(
                                    a -> a.subnets(subnet).securityGroups(securityGroup)))
                        .overrides(
                            o ->
                                o.containerOverrides(
                                    c ->
                                        c.name("flow")
                                            .command("env | sort; command -v prefect || true")
                                            .environment(
                                                KeyValuePair.builder()
                                                    .name("OVERRIDDEN")
                                                    .value("override")
                                                    .build(),
                                                KeyValuePair.builder()
                                                    .name("PREFECT__CONTEXT__FLOW_RUN_ID")
                                                    .value("run-env")
                                                    .build()))))
            .tasks()
            .get(0);
    stopped(task.taskArn());
    List<String> env = front.output(task.taskArn(), "flow");
    Path bin = front.settings().binDirs().get(0);
    assertThat(env)
        .contains(
            "FROM_DEFINITION=d",
            "OVERRIDDEN=override",
            "PREFECT__CONTEXT__FLOW_RUN_ID=run-env",
            "PREFECT__CLOUD__API_KEY=s3cret",
            "DB_PASSWORD=pw",
            "TOKEN=from-ssm",
            "AWS_EXECUTION_ENV=AWS_ECS_FARGATE",
            "AWS_REGION=us-east-1",
            "PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
            "HOME=" + front.settings().workRoot().resolve(id(task)))
        .doesNotContain("from the definition")
        .noneMatch(l -> l.startsWith("MOTO_SERVER=") || l.startsWith("JAVA_HOME="));
  }

  @Test
  void stopTaskSendsSigtermAndStopsTheTaskAsUserInitiated() {
    String definition = definition(flowContainer().build());
    Task task = run(definition, "run-stop", "echo ready; exec sleep 60");
    printed(task.taskArn(), "flow", "ready");

    Task answer =
        ecs.stopTask(r -> r.cluster(CLUSTER).task(task.taskArn()).reason("stopped by a test"))
            .task();
    assertThat(answer.desiredStatus()).isEqualTo("STOPPED");
    Task done = stopped(task.taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("UserInitiated");
    assertThat(done.stoppedReason()).isEqualTo("stopped by a test");
    assertThat(done.containers().get(0).exitCode()).as("128 + SIGTERM").isEqualTo(143);
  }

  @Test
  void aContainerThatIgnoresSigtermIsKilledAfterItsStopTimeout() {
    String definition = definition(flowContainer().stopTimeout(3).build());
    Task task =
        run(
            definition,
            "run-ignores-term",
            "trap 'echo ignoring SIGTERM' TERM; echo ready; while :; do sleep 0.1; done");
    printed(task.taskArn(), "flow", "ready");
    ecs.stopTask(r -> r.cluster(CLUSTER).task(task.taskArn()).reason("stop"));
    printed(task.taskArn(), "flow", "ignoring SIGTERM");
    assertThat(describe(task.taskArn()).lastStatus()).isEqualTo("STOPPING");

    Task done = stopped(task.taskArn());
    assertThat(done.containers().get(0).exitCode()).as("128 + SIGKILL").isEqualTo(137);
    assertThat(Duration.between(done.stoppingAt(), done.executionStoppedAt()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
  }

  @Test
  void outOfMemoryKillsTheFlowContainerWith137AndTheOomReason() {
    String definition = definition(flowContainer().build());
    Task task =
        run(
            definition,
            "run-oom",
            "trap 'echo ignoring SIGTERM' TERM; echo allocating; while :; do sleep 0.1; done");
    printed(task.taskArn(), "flow", "allocating");
    front.inject(task.taskArn(), Fault.outOfMemory());

    Task done = stopped(task.taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("EssentialContainerExited");
    assertThat(done.stoppedReason()).isEqualTo("Essential container in task exited");
    assertThat(done.containers().get(0).exitCode()).isEqualTo(137);
    assertThat(done.containers().get(0).reason())
        .isEqualTo("OutOfMemoryError: Container killed due to memory usage");
    assertThat(front.output(task.taskArn(), "flow")).doesNotContain("ignoring SIGTERM");
  }

  @Test
  void aSpotInterruptionSendsSigtermThenStopsWithTheSpotCode() {
    String definition = definition(flowContainer().stopTimeout(3).build());
    front.onNextTaskOf("run-spot", Fault.spotInterruption(), Trigger.onLine("long task started"));
    Task task =
        run(
            definition,
            "run-spot",
            "trap 'echo SIGTERM received' TERM; echo long task started;"
                + " while :; do sleep 0.1; done");
    printed(task.taskArn(), "flow", "SIGTERM received");
    Task stopping = describe(task.taskArn());
    assertThat(stopping.lastStatus()).isEqualTo("STOPPING");
    assertThat(stopping.desiredStatus()).isEqualTo("STOPPED");
    assertThat(stopping.stopCodeAsString()).isEqualTo("TerminationNotice");
    assertThat(stopping.stoppedReason()).isEqualTo("Your Spot Task was interrupted.");

    Task done = stopped(task.taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("SpotInterruption");
    assertThat(done.stoppedReason()).isEqualTo("Your Spot Task was interrupted.");
    assertThat(done.containers().get(0).exitCode()).isEqualTo(137);
    assertThat(done.capacityProviderName()).isEqualTo("FARGATE_SPOT");
  }

  @Test
  void aFailedStartRunsNoProcessAndStopsAsTaskFailedToStart() {
    String definition = definition(flowContainer().build());
    front.onNextTaskOf(
        "run-no-image", Fault.cannotPull("prefecthq/prefect:nope"), Trigger.atStart());
    Task task = run(definition, "run-no-image", "echo should never run");

    Task done = stopped(task.taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("TaskFailedToStart");
    assertThat(done.stoppedReason()).startsWith("CannotPullContainerError: ");
    assertThat(done.startedAt()).isNull();
    assertThat(done.containers())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.exitCode()).isNull();
              assertThat(c.reason()).startsWith("CannotPullContainerError: ");
            });
    assertThat(front.output(task.taskArn(), "flow")).isEmpty();
    assertThat(streamExists("prefect/flow/" + id(task))).isFalse();
  }

  @Test
  void aMissingLogGroupFailsTheStartAsFargateDoes() {
    String definition =
        definition(
            flowContainer()
                .logConfiguration(
                    l ->
                        l.logDriver(LogDriver.AWSLOGS)
                            .options(
                                Map.of(
                                    "awslogs-group", "/no/such/group",
                                    "awslogs-region", "us-east-1",
                                    "awslogs-stream-prefix", "prefect")))
                .build());
    Task done = stopped(run(definition, "run-no-group", "echo hi").taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("TaskFailedToStart");
    assertThat(done.stoppedReason())
        .startsWith("ResourceInitializationError: failed to validate logger args")
        .contains("The specified log group does not exist");
  }

  @Test
  void aSidecarRunsBesideTheFlowAndIsStoppedWhenTheEssentialContainerExits() {
    String definition =
        definition(
            flowContainer().build(),
            ContainerDefinition.builder()
                .name("sidecar")
                .image("busybox")
                .memory(64)
                .essential(false)
                .command(
                    "/bin/sh",
                    "-c",
                    "trap 'echo sidecar stopping; exit 0' TERM; echo sidecar up;"
                        + " while :; do sleep 0.1; done")
                .logConfiguration(
                    l ->
                        l.logDriver(LogDriver.AWSLOGS)
                            .options(
                                Map.of(
                                    "awslogs-group", GROUP,
                                    "awslogs-region", "us-east-1",
                                    "awslogs-stream-prefix", "prefect")))
                .build(),
            ContainerDefinition.builder()
                .name("log-router")
                .image("amazon/aws-for-fluent-bit")
                .memory(64)
                .essential(false)
                .build());
    Task task = run(definition, "run-sidecar", "echo flow done; sleep 0.5; exit 0");
    printed(task.taskArn(), "sidecar", "sidecar up");

    Task done = stopped(task.taskArn());
    assertThat(done.stopCodeAsString()).isEqualTo("EssentialContainerExited");
    assertThat(done.containers())
        .extracting(c -> c.name() + "=" + c.exitCode())
        .containsExactly("flow=0", "sidecar=0", "log-router=0");
    assertThat(events("prefect/sidecar/" + id(task)))
        .extracting(OutputLogEvent::message)
        .containsExactly("sidecar up", "sidecar stopping");
    assertThat(events("prefect/flow/" + id(task)))
        .extracting(OutputLogEvent::message)
        .containsExactly("flow done");
  }

  @Test
  void aBrandNewTaskIsMissingForItsFirstSecondsAndAnUnknownTaskIsMissing() throws Exception {
    RunnerSettings settings =
        RunnerSettings.forTests(work.resolve("missing")).withMissingWindow(Duration.ofSeconds(3));
    try (EcsFront slow = EcsFront.start(moto, settings);
        EcsClient client = slow.client()) {
      Task task =
          client
              .runTask(
                  RunTaskRequest.builder()
                      .cluster(CLUSTER)
                      .taskDefinition(definition(flowContainer().build()))
                      .startedBy("run-missing")
                      .launchType("FARGATE")
                      .networkConfiguration(
                          n ->
                              n.awsvpcConfiguration(
                                  a -> a.subnets(subnet).securityGroups(securityGroup)))
                      .overrides(
                          o -> o.containerOverrides(c -> c.name("flow").command("sleep", "1")))
                      .build())
              .tasks()
              .get(0);
      DescribeTasksResponse early =
          client.describeTasks(r -> r.cluster(CLUSTER).tasks(task.taskArn()));
      assertThat(early.tasks()).isEmpty();
      assertThat(early.failures())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.arn()).isEqualTo(task.taskArn());
                assertThat(f.reason()).isEqualTo("MISSING");
              });
      Eventually.until(
          WAIT,
          "the task described",
          () ->
              !client
                  .describeTasks(r -> r.cluster(CLUSTER).tasks(task.taskArn()))
                  .tasks()
                  .isEmpty());

      String unknown = task.taskArn().replace(id(task), "0123456789abcdef0123456789abcdef");
      DescribeTasksResponse none = client.describeTasks(r -> r.cluster(CLUSTER).tasks(unknown));
      assertThat(none.tasks()).isEmpty();
      assertThat(none.failures())
          .singleElement()
          .satisfies(f -> assertThat(f.reason()).isEqualTo("MISSING"));
    }
  }

  @Test
  void listTasksShowsAStoppedTaskOnlyWhenAskedForStoppedTasks() {
    String definition = definition(flowContainer().build());
    Task quick = run(definition, "run-list-quick", "exit 0");
    Task slow = run(definition, "run-list-slow", "exec sleep 60");
    stopped(quick.taskArn());

    List<String> running =
        ecs.listTasks(r -> r.cluster(CLUSTER).startedBy("run-list-quick")).taskArns();
    List<String> stoppedList =
        ecs.listTasks(
                r ->
                    r.cluster(CLUSTER)
                        .startedBy("run-list-quick")
                        .desiredStatus(DesiredStatus.STOPPED))
            .taskArns();
    assertThat(running).isEmpty();
    assertThat(stoppedList).containsExactly(quick.taskArn());
    assertThat(ecs.listTasks(r -> r.cluster(CLUSTER).startedBy("run-list-slow")).taskArns())
        .containsExactly(slow.taskArn());
    ecs.stopTask(r -> r.cluster(CLUSTER).task(slow.taskArn()));
  }
}
