package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiSettings;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.TokenBucket;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.CreateLogGroupRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.CreateLogGroupResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.LogDriver;

/**
 * The forwarder over the wire: real PutLogEvents into moto's CloudWatch Logs (streams named as the
 * agent's rendered definitions name them, found through moto's DescribeTaskDefinition), lines
 * written to the Prefect API double through the agent's batcher.
 */
@Timeout(300)
class LogForwarderIT {
  private static final String GROUP = "/prefect/flow-runs";
  private static MotoServer moto;
  private static CloudWatchLogsClient cloudWatch;
  private static EcsClient ecs;
  private PrefectServerDouble server;
  private GraphqlPrefectApi api;
  private ScheduledExecutorService batchThreads;
  private PrefectBatcher batcher;
  private String flowId;
  private String definitionArn;
  private LogForwarder forwarder;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    cloudWatch = moto.logs();
    ecs = moto.ecs();
  }

  @AfterAll
  static void stopMoto() {
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
    batchThreads = Executors.newScheduledThreadPool(2);
    batcher =
        new PrefectBatcher(
            api,
            batchThreads,
            Duration.ofMillis(50),
            new Backoff(Duration.ofMillis(100), Duration.ofMillis(500)),
            PrefectBatcher.DEFAULT_LOG_CAPACITY,
            Clock.systemUTC());
    // What the renderer gives a flow container without its own logConfiguration.
    definitionArn =
        ecs.registerTaskDefinition(
                r ->
                    r.family("prefect-etl")
                        .containerDefinitions(
                            c ->
                                c.name("flow")
                                    .image("prefecthq/prefect:0.15.13")
                                    .memory(512)
                                    .logConfiguration(
                                        l ->
                                            l.logDriver(LogDriver.AWSLOGS)
                                                .options(
                                                    java.util.Map.of(
                                                        "awslogs-group",
                                                        GROUP,
                                                        "awslogs-region",
                                                        "us-east-1",
                                                        "awslogs-stream-prefix",
                                                        "prefect")))))
            .taskDefinition()
            .taskDefinitionArn();
  }

  @AfterEach
  void stop() {
    if (forwarder != null) {
      forwarder.close(Duration.ofSeconds(5));
    }
    batcher.close();
    batchThreads.shutdownNow();
    api.close();
    server.close();
  }

  private LogForwarder forwarder(LogForwarding mode) {
    return forwarder(mode, moto.logs());
  }

  private LogForwarder forwarder(LogForwarding mode, CloudWatchLogsClient client) {
    ForwarderSettings settings =
        ForwarderSettings.defaults(mode)
            .withTiming(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(1));
    LogsApi logs = new AwsLogsApi(client);
    assertThat(LogGroupSetup.ensure(logs, GROUP)).isEqualTo(LogGroupSetup.Outcome.CREATED);
    assertThat(LogGroupSetup.ensure(logs, GROUP)).isEqualTo(LogGroupSetup.Outcome.EXISTED);
    forwarder =
        new LogForwarder(
            settings,
            logs,
            new EcsStreamLocator(ecs, TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20)),
            LogForwarder.filterQuota(),
            RunLogWriter.of(batcher),
            Clock.systemUTC());
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

  private void put(int task, List<String> lines) {
    long now = System.currentTimeMillis();
    List<InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      long at = now - (lines.size() - 1) + i; // the last line is stamped now
      events.add(InputLogEvent.builder().timestamp(at).message(lines.get(i)).build());
    }
    cloudWatch.putLogEvents(
        r -> r.logGroupName(GROUP).logStreamName(stream(task)).logEvents(events));
  }

  private List<String> runs(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> server.createFlowRun(flowId, List.of(), Instant.now()))
        .toList();
  }

  private List<String> messages(String run) {
    return server.logs(run).stream().map(LogRecord::message).toList();
  }

  @Test
  void tenThousandLinesAcrossTwoHundredTasksEachReachTheirRunOnceInOrder() {
    List<String> runs = runs(200);
    LogForwarder f = forwarder(LogForwarding.ALL);
    for (int t = 0; t < 200; t++) {
      f.taskStarted(new TaskStart(runs.get(t), taskArn(t), definitionArn, Instant.now()));
      createStream(t);
    }
    for (int half = 0; half < 2; half++) {
      for (int t = 0; t < 200; t++) {
        int task = t;
        int from = half * 25;
        put(t, IntStream.range(from, from + 25).mapToObj(i -> "t" + task + " line " + i).toList());
      }
    }
    Eventually.until(
        Duration.ofSeconds(120),
        () -> "lines in Prefect: " + runs.stream().mapToInt(r -> server.logs(r).size()).sum(),
        () -> runs.stream().mapToInt(r -> server.logs(r).size()).sum() >= 10_000);
    f.close(Duration.ofSeconds(10));

    for (int t = 0; t < 200; t++) {
      int task = t;
      List<LogRecord> logs = server.logs(runs.get(t));
      assertThat(logs.stream().map(LogRecord::message).toList())
          .containsExactlyElementsOf(
              IntStream.range(0, 50).mapToObj(i -> "t" + task + " line " + i).toList());
      assertThat(logs.stream().map(LogRecord::timestamp).toList()).isSorted();
    }
  }

  @Test
  void linesWrittenWhileThePrefectApiIsDownArriveOnceItIsBack() {
    List<String> runs = runs(3);
    LogForwarder f = forwarder(LogForwarding.NON_PREFECT);
    for (int t = 0; t < 3; t++) {
      f.taskStarted(new TaskStart(runs.get(t), taskArn(t), definitionArn, Instant.now()));
      createStream(t);
      put(t, List.of("before " + t));
    }
    Eventually.until(
        Duration.ofSeconds(60), "first lines", () -> messages(runs.get(2)).size() == 1);
    server.setDown(true);
    for (int t = 0; t < 3; t++) {
      put(t, List.of("during " + t, "[2026-11-24 10:00:00,000] INFO - prefect.FlowRunner | skip"));
    }
    Eventually.until(
        Duration.ofSeconds(30), "lines read while down", () -> f.outbox().offered() >= 6);
    server.setDown(false);
    for (int t = 0; t < 3; t++) {
      put(t, List.of("after " + t));
    }
    Eventually.until(
        Duration.ofSeconds(90),
        "all lines after the outage",
        () -> runs.stream().allMatch(r -> messages(r).size() == 3));
    for (int t = 0; t < 3; t++) {
      assertThat(messages(runs.get(t))).containsExactly("before " + t, "during " + t, "after " + t);
    }
  }

  @Test
  void aTaskThatDiesMidStreamGetsItsLastLinesAsAnErrorLog() {
    List<String> runs = runs(1);
    LogForwarder f = forwarder(LogForwarding.FAILURES);
    f.taskStarted(new TaskStart(runs.get(0), taskArn(0), definitionArn, Instant.now()));
    createStream(0);
    put(0, IntStream.range(0, 40).mapToObj(i -> "work " + i).toList());
    f.taskStopped(
        new TaskStop(runs.get(0), taskArn(0), Instant.now(), true, "exit code 137 (OOM killed)"));
    put(0, List.of("Killed"));

    Eventually.until(
        Duration.ofSeconds(60), "the error log", () -> !messages(runs.get(0)).isEmpty());
    LogRecord error = server.logs(runs.get(0)).get(0);
    assertThat(error.level()).isEqualTo("ERROR");
    assertThat(error.message())
        .startsWith("The flow task stopped (exit code 137 (OOM killed)); its last 20 line(s)")
        .contains("work 39")
        .doesNotContain("work 20\n")
        .endsWith("Killed");
    assertThat(server.logs(runs.get(0))).hasSize(1);
  }

  @Test
  void aStreamNotYetCreatedIsReadOnceItAppears() {
    List<String> runs = runs(2);
    LogForwarder f = forwarder(LogForwarding.ALL);
    f.taskStarted(new TaskStart(runs.get(0), taskArn(0), definitionArn, Instant.now()));
    f.taskStarted(new TaskStart(runs.get(1), taskArn(1), definitionArn, Instant.now()));
    createStream(0);
    put(0, List.of("zero"));
    Eventually.until(
        Duration.ofSeconds(60), "first stream", () -> messages(runs.get(0)).size() == 1);
    createStream(1);
    put(1, List.of("one"));
    Eventually.until(
        Duration.ofSeconds(60), "second stream", () -> messages(runs.get(1)).size() == 1);
    assertThat(messages(runs.get(0))).containsExactly("zero");
  }

  /** moto's client, except that FilterLogEvents answers "Rate exceeded" while {@code throttled}. */
  private static CloudWatchLogsClient throttling(
      CloudWatchLogsClient moto, AtomicInteger throttled) {
    return new CloudWatchLogsClient() {
      @Override
      public FilterLogEventsResponse filterLogEvents(FilterLogEventsRequest request) {
        if (throttled.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          throw CloudWatchLogsException.builder()
              .statusCode(400)
              .awsErrorDetails(
                  AwsErrorDetails.builder()
                      .errorCode("ThrottlingException")
                      .errorMessage("Rate exceeded")
                      .build())
              .build();
        }
        return moto.filterLogEvents(request);
      }

      @Override
      public CreateLogGroupResponse createLogGroup(CreateLogGroupRequest request) {
        return moto.createLogGroup(request);
      }

      @Override
      public String serviceName() {
        return moto.serviceName();
      }

      @Override
      public void close() {
        moto.close();
      }
    };
  }

  @Test
  void throttledReadsBackOffAndResumeWithEveryLineOnceInOrder() {
    List<String> runs = runs(2);
    AtomicInteger throttled = new AtomicInteger();
    LogForwarder f = forwarder(LogForwarding.ALL, throttling(moto.logs(), throttled));
    for (int t = 0; t < 2; t++) {
      f.taskStarted(new TaskStart(runs.get(t), taskArn(t), definitionArn, Instant.now()));
      createStream(t);
    }
    List<List<String>> expected = List.of(new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < 3; round++) {
      for (int t = 0; t < 2; t++) {
        int task = t;
        int r = round;
        List<String> lines =
            IntStream.range(0, 10).mapToObj(i -> "t" + task + " r" + r + " " + i).toList();
        put(t, lines);
        expected.get(t).addAll(lines);
      }
      throttled.set(2); // the next two reads are refused
      int goal = (round + 1) * 10;
      Eventually.until(
          Duration.ofSeconds(60),
          "round " + round + " forwarded despite throttling",
          () -> runs.stream().allMatch(r -> messages(r).size() >= goal));
      assertThat(throttled.get()).isZero();
    }
    for (int t = 0; t < 2; t++) {
      assertThat(messages(runs.get(t))).containsExactlyElementsOf(expected.get(t));
    }
  }
}
