package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiSettings;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.LostAnswers;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.TokenBucket;
import io.github.prefectecs.agent.testsupport.CloudWatchFront;
import io.github.prefectecs.agent.testsupport.CloudWatchFront.Semantics;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.LogDriver;

/**
 * The forwarder over the wire: real PutLogEvents into moto's CloudWatch Logs, read through {@link
 * CloudWatchFront} (which answers a read naming a missing stream as CloudWatch does, or as moto
 * does: each test runs both ways unless {@code -Dlogs.cloudwatch} picks one), streams named as the
 * agent's rendered definitions name them and found through moto's DescribeTaskDefinition, lines
 * written to the Prefect Server double through the agent's batcher, and positions read back from
 * the double's {@code log} table after a restart.
 */
@Timeout(300)
class LogForwarderIT {
  private static final String GROUP = "/prefect/flow-runs";
  private static final String TEAM = "/team/flows";
  private static MotoServer moto;
  private static CloudWatchLogsClient cloudWatch;
  private static EcsClient ecs;
  private static CloudWatchFront front;
  private PrefectServerDouble server;
  private GraphqlPrefectApi api;
  private ScheduledExecutorService batchThreads;
  private PrefectBatcher batcher;
  private String flowId;
  private String definitionArn;
  private String teamDefinitionArn;
  private final List<LogForwarder> forwarders = new ArrayList<>();
  private final Map<String, List<String>> printed = new HashMap<>();

  static List<Semantics> semantics() {
    return CloudWatchFront.selected();
  }

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    cloudWatch = moto.logs();
    ecs = moto.ecs();
    front = CloudWatchFront.of(moto.endpoint());
  }

  @AfterAll
  static void stopMoto() {
    front.close();
    cloudWatch.close();
    ecs.close();
    moto.close();
  }

  @BeforeEach
  void start() throws Exception {
    moto.reset();
    server = PrefectServerDouble.start();
    flowId = server.createFlow("etl");
    api =
        new GraphqlPrefectApi(
            PrefectApiSettings.of(
                    server.uri(),
                    Backend.SERVER,
                    Secret.empty(),
                    Secret.empty(),
                    null,
                    Duration.ofSeconds(5),
                    "0.15.13")
                .withRetries(
                    1,
                    new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
                    Duration.ofMillis(5)),
            new OkHttpClient(),
            Clock.systemUTC());
    newBatcher();
    definitionArn = definition("prefect-etl", GROUP, "prefect");
    teamDefinitionArn = definition("team-etl", TEAM, "team");
    cloudWatch.createLogGroup(b -> b.logGroupName(GROUP));
    cloudWatch.createLogGroup(b -> b.logGroupName(TEAM));
  }

  private void newBatcher() {
    batchThreads = Executors.newScheduledThreadPool(2);
    batcher =
        new PrefectBatcher(
            api,
            batchThreads,
            Duration.ofMillis(50),
            new Backoff(Duration.ofMillis(100), Duration.ofMillis(500)),
            PrefectBatcher.DEFAULT_LOG_CAPACITY,
            Clock.systemUTC());
  }

  /** What the renderer gives a flow container without its own logConfiguration. */
  private static String definition(String family, String group, String prefix) {
    return ecs.registerTaskDefinition(
            r ->
                r.family(family)
                    .containerDefinitions(
                        c ->
                            c.name("flow")
                                .image("prefecthq/prefect:0.15.13")
                                .memory(512)
                                .logConfiguration(
                                    l ->
                                        l.logDriver(LogDriver.AWSLOGS)
                                            .options(
                                                Map.of(
                                                    "awslogs-group",
                                                    group,
                                                    "awslogs-region",
                                                    "us-east-1",
                                                    "awslogs-stream-prefix",
                                                    prefix)))))
        .taskDefinition()
        .taskDefinitionArn();
  }

  @AfterEach
  void stop() {
    forwarders.forEach(f -> f.close(Duration.ofSeconds(5)));
    front.allow(TEAM);
    front.throttleNext(0);
    batcher.close();
    batchThreads.shutdownNow();
    api.close();
    server.close();
  }

  private LogForwarder forwarder(LogForwarding mode, Semantics semantics) {
    front.semantics(semantics);
    ForwarderSettings settings =
        ForwarderSettings.defaults(mode)
            .withTiming(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(1));
    LogForwarder forwarder =
        new LogForwarder(
            settings,
            new AwsLogsApi(front.logs()),
            new EcsStreamLocator(ecs, TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20)),
            new PrefectRunLogPositions(api, settings.loggerName()),
            LogForwarder.filterQuota(),
            RunLogWriter.of(batcher),
            Clock.systemUTC());
    forwarders.add(forwarder);
    forwarder.start();
    return forwarder;
  }

  private static String taskArn(int i) {
    return "arn:aws:ecs:us-east-1:123456789012:task/flows/" + String.format("%032x", i + 1);
  }

  private static String stream(int i) {
    return "prefect/flow/" + String.format("%032x", i + 1);
  }

  private static void createStream(int task) {
    cloudWatch.createLogStream(r -> r.logGroupName(GROUP).logStreamName(stream(task)));
  }

  private void put(String run, int task, List<String> lines) {
    put(run, GROUP, stream(task), lines);
  }

  private void put(String run, String group, String stream, List<String> lines) {
    long now = System.currentTimeMillis();
    List<InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      long at = now - (lines.size() - 1) + i; // the last line is stamped now
      events.add(InputLogEvent.builder().timestamp(at).message(lines.get(i)).build());
    }
    cloudWatch.putLogEvents(r -> r.logGroupName(group).logStreamName(stream).logEvents(events));
    printed.computeIfAbsent(run, r -> new ArrayList<>()).addAll(lines);
  }

  private List<String> runs(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> server.createFlowRun(flowId, List.of(), Instant.now()))
        .toList();
  }

  /**
   * The run's forwarded lines as Prefect shows them: by timestamp (requests of one wave may be
   * applied in either order; the timestamps keep each stream's order).
   */
  private List<String> messages(String run) {
    return server.logs(run).stream()
        .filter(l -> l.level().equals("INFO"))
        .sorted(java.util.Comparator.comparing(LogRecord::timestamp))
        .map(LogRecord::message)
        .toList();
  }

  private TaskStart start(String run, int task) {
    return new TaskStart(run, taskArn(task), definitionArn, Instant.now());
  }

  private void assertEachLineOnceInOrder(List<String> runs) {
    for (String run : runs) {
      assertThat(messages(run))
          .as("lines of run %s", run)
          .containsExactlyElementsOf(printed.getOrDefault(run, List.of()));
    }
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void twoThousandLinesAcrossTwoHundredTasksEachReachTheirRunOnceInOrder(Semantics semantics) {
    int refusedBefore = front.refusedCalls();
    List<String> runs = runs(200);
    LogForwarder f = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 200; t++) {
      f.taskStarted(start(runs.get(t), t));
      createStream(t);
    }
    for (int half = 0; half < 2; half++) {
      for (int t = 0; t < 200; t++) {
        int task = t;
        int from = half * 5;
        put(
            runs.get(t),
            t,
            IntStream.range(from, from + 5).mapToObj(i -> "t" + task + " line " + i).toList());
      }
    }
    Eventually.until(
        Duration.ofSeconds(120),
        () -> "lines in Prefect: " + runs.stream().mapToInt(r -> messages(r).size()).sum(),
        () -> runs.stream().mapToInt(r -> messages(r).size()).sum() >= 2_000);
    f.close(Duration.ofSeconds(10));

    assertEachLineOnceInOrder(runs);
    for (String run : runs) {
      // Prefect orders a run's logs by timestamp: no two lines of a stream may share one.
      assertThat(server.logs(run).stream().map(LogRecord::timestamp).toList())
          .doesNotHaveDuplicates();
    }
    assertThat(front.refusedCalls()).isEqualTo(refusedBefore);
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void linesWrittenWhileThePrefectApiIsDownArriveOnceItIsBack(Semantics semantics) {
    List<String> runs = runs(3);
    LogForwarder f = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 3; t++) {
      f.taskStarted(start(runs.get(t), t));
      createStream(t);
      put(runs.get(t), t, List.of("before " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60), "first lines", () -> messages(runs.get(2)).size() == 1);
    server.setDown(true);
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("during " + t));
    }
    Eventually.until(
        Duration.ofSeconds(30), "lines read while down", () -> f.outbox().offered() >= 6);
    server.setDown(false);
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("after " + t));
    }
    Eventually.until(
        Duration.ofSeconds(90),
        () -> "all lines after the outage; so far " + runs.stream().map(this::messages).toList(),
        () -> runs.stream().allMatch(r -> messages(r).size() == 3));
    assertEachLineOnceInOrder(runs);
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void aTaskThatDiesMidStreamGetsItsLastLinesAsAnErrorLog(Semantics semantics) {
    List<String> runs = runs(1);
    LogForwarder f = forwarder(LogForwarding.FAILURES, semantics);
    f.taskStarted(start(runs.get(0), 0));
    createStream(0);
    put(runs.get(0), 0, IntStream.range(0, 40).mapToObj(i -> "work " + i).toList());
    f.taskStopped(
        new TaskStop(runs.get(0), taskArn(0), Instant.now(), true, "exit code 137 (OOM killed)"));
    put(runs.get(0), 0, List.of("Killed"));

    Eventually.until(
        Duration.ofSeconds(60), "the error log", () -> !server.logs(runs.get(0)).isEmpty());
    LogRecord error = server.logs(runs.get(0)).get(0);
    assertThat(error.level()).isEqualTo("ERROR");
    assertThat(error.message())
        .startsWith("The flow task stopped (exit code 137 (OOM killed)); its last 20 line(s)")
        .contains("work 39")
        .doesNotContain("work 20\n")
        .endsWith("Killed");
    assertThat(server.logs(runs.get(0))).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void aStreamCreatedLateBlocksNoOtherTaskAndAStopBeforeItExistsIsToldHonestly(
      Semantics semantics) {
    List<String> runs = runs(3);
    LogForwarder f = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 3; t++) {
      f.taskStarted(start(runs.get(t), t));
    }
    createStream(1);
    put(runs.get(1), 1, List.of("one", "printed and finished"));
    f.taskStopped(new TaskStop(runs.get(1), taskArn(1), Instant.now(), false, null));
    Eventually.until(
        Duration.ofSeconds(60),
        "the lines of the task that finished while another was starting",
        () -> messages(runs.get(1)).size() == 2);
    // Task 2 never starts its container.
    f.taskStopped(
        new TaskStop(runs.get(2), taskArn(2), Instant.now(), true, "CannotPullContainerError"));
    Eventually.until(
        Duration.ofSeconds(60),
        "the error log of the task that never started",
        () -> !server.logs(runs.get(2)).isEmpty());
    createStream(0);
    put(runs.get(0), 0, List.of("zero, at last"));
    Eventually.until(
        Duration.ofSeconds(60), "the late stream", () -> messages(runs.get(0)).size() == 1);

    assertEachLineOnceInOrder(runs.subList(0, 2));
    String never = server.logs(runs.get(2)).get(0).message();
    if (semantics == Semantics.CLOUDWATCH) {
      assertThat(never)
          .isEqualTo(
              "The flow task stopped (CannotPullContainerError) before its container wrote"
                  + " anything: CloudWatch "
                  + GROUP
                  + " "
                  + stream(2)
                  + " was never created");
    } else {
      assertThat(never).endsWith("printed nothing to CloudWatch " + GROUP + " " + stream(2));
    }
    assertThat(server.logs(runs.get(1))).noneMatch(l -> l.level().equals("ERROR"));
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void aRefusedGroupIsToldOnceAndTheReadableGroupKeepsFlowing(Semantics semantics) {
    front.deny(TEAM);
    List<String> runs = runs(2);
    LogForwarder f = forwarder(LogForwarding.ALL, semantics);
    f.taskStarted(start(runs.get(0), 0));
    f.taskStarted(new TaskStart(runs.get(1), taskArn(1), teamDefinitionArn, Instant.now()));
    createStream(0);
    String teamStream = "team/flow/" + String.format("%032x", 2);
    cloudWatch.createLogStream(r -> r.logGroupName(TEAM).logStreamName(teamStream));
    for (int i = 0; i < 3; i++) {
      put(runs.get(0), 0, List.of("readable " + i));
      put(runs.get(1), TEAM, teamStream, List.of("refused " + i));
      int goal = i + 1;
      Eventually.until(
          Duration.ofSeconds(60), "readable lines", () -> messages(runs.get(0)).size() == goal);
    }
    assertThat(server.logs(runs.get(1)))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.level()).isEqualTo("WARNING");
              assertThat(l.message())
                  .startsWith("Cannot read CloudWatch log group " + TEAM + ": access denied")
                  .contains("grant the agent's role logs:FilterLogEvents");
            });
    front.allow(TEAM);
    Eventually.until(
        Duration.ofSeconds(120),
        "the refused group's lines once it may be read",
        () -> messages(runs.get(1)).size() == 3);
    assertEachLineOnceInOrder(runs);
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void throttledReadsBackOffAndResumeWithEveryLineOnceInOrder(Semantics semantics) {
    List<String> runs = runs(2);
    LogForwarder f = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 2; t++) {
      f.taskStarted(start(runs.get(t), t));
      createStream(t);
    }
    for (int round = 0; round < 3; round++) {
      for (int t = 0; t < 2; t++) {
        int task = t;
        int r = round;
        put(
            runs.get(t),
            t,
            IntStream.range(0, 10).mapToObj(i -> "t" + task + " r" + r + " " + i).toList());
      }
      front.throttleNext(2); // the next two reads are refused (the SDK retries them)
      int goal = (round + 1) * 10;
      Eventually.until(
          Duration.ofSeconds(60),
          "round " + round + " forwarded despite throttling",
          () -> runs.stream().allMatch(r -> messages(r).size() >= goal));
      assertThat(front.throttledLeft()).isZero();
    }
    assertEachLineOnceInOrder(runs);
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void afterSigtermOrKillDashNineARestartedForwarderLosesAndRepeatsNothing(Semantics semantics)
      throws Exception {
    List<String> runs = runs(3);
    Instant created = Instant.now();
    LogForwarder first = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 3; t++) {
      first.taskStarted(start(runs.get(t), t));
      createStream(t);
      put(runs.get(t), t, List.of("before sigterm " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        "lines before the stop",
        () -> runs.stream().allMatch(r -> messages(r).size() == 1));
    first.close(Duration.ofSeconds(5)); // SIGTERM
    forwarders.remove(first);
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("while no agent runs " + t));
    }

    LogForwarder second = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 3; t++) {
      second.taskStarted(
          new TaskStart(runs.get(t), taskArn(t), definitionArn, Instant.now(), created));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        "lines written while no agent ran",
        () -> runs.stream().allMatch(r -> messages(r).size() == 2));
    // The API stalls: the next lines are read but not written when the process is killed.
    server.setDown(true);
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("read, then kill -9 " + t));
    }
    Eventually.until(
        Duration.ofSeconds(30), "lines read before the kill", () -> second.outbox().offered() >= 6);
    second.abandon(); // kill -9
    forwarders.remove(second);
    batcher.close();
    batchThreads.shutdownNow();
    server.setDown(false);
    newBatcher();
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("while killed " + t));
    }

    LogForwarder third = forwarder(LogForwarding.ALL, semantics);
    for (int t = 0; t < 3; t++) {
      third.taskStarted(
          new TaskStart(runs.get(t), taskArn(t), definitionArn, Instant.now(), created));
    }
    for (int t = 0; t < 3; t++) {
      put(runs.get(t), t, List.of("after the restart " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        () -> "every line after kill -9: " + messages(runs.get(0)),
        () -> runs.stream().allMatch(r -> messages(r).size() == 5));
    Thread.sleep(1_500); // a few more sweeps: nothing may come twice
    assertEachLineOnceInOrder(runs);
  }

  static List<LostAnswers.Mode> lostAnswerModes() {
    return List.of(
        LostAnswers.Mode.BAD_GATEWAY_AFTER_COMMIT,
        LostAnswers.Mode.CUT_AFTER_COMMIT,
        LostAnswers.Mode.UNAVAILABLE);
  }

  @ParameterizedTest
  @MethodSource("lostAnswerModes")
  void aWriteWhoseAnswerIsLostIsReadBackAndNoLineComesTwiceOrGoesMissing(LostAnswers.Mode mode) {
    List<String> runs = runs(2);
    LogForwarder f = forwarder(LogForwarding.ALL, Semantics.CLOUDWATCH);
    for (int t = 0; t < 2; t++) {
      f.taskStarted(start(runs.get(t), t));
      createStream(t);
      put(runs.get(t), t, List.of("first " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        "first lines",
        () -> runs.stream().allMatch(r -> messages(r).size() == 1));
    server.loseAnswers(2, "write_run_logs", "", mode, Duration.ZERO);
    for (int t = 0; t < 2; t++) {
      put(runs.get(t), t, List.of("second " + t, "third " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        () -> "every line after lost answers; so far " + runs.stream().map(this::messages).toList(),
        () -> runs.stream().allMatch(r -> messages(r).size() >= 3));
    for (int t = 0; t < 2; t++) {
      put(runs.get(t), t, List.of("fourth " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60),
        "the line after",
        () -> runs.stream().allMatch(r -> messages(r).size() >= 4));
    assertEachLineOnceInOrder(runs);
  }
}
