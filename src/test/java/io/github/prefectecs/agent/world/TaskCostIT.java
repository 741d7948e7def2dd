package io.github.prefectecs.agent.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.cost.CostLine;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.MotoAccount;
import io.github.prefectecs.agent.testsupport.MotoServer;
import io.github.prefectecs.agent.testsupport.ServerActions;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import io.github.prefectecs.agent.watch.SpotBreaker;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * What each run's tasks cost, end to end: a whole agent on moto behind the ECS front (which gives
 * each task ECS's lifecycle timestamps, size and capacity provider, and can interrupt it as Fargate
 * Spot does) and the Prefect Server double, the test playing the flow process. When a task stops,
 * its run's log carries one cost line per task whose figures follow from the bundled us-east-1
 * x86_64 prices and the {@code pullStartedAt}/{@code stoppedAt} DescribeTasks gives (billed for at
 * least a minute, as Fargate bills; the tasks here run seconds), and the Prometheus cost series by
 * capacity provider count the same figures: a FARGATE_SPOT run with what Spot saved, a FARGATE run,
 * and a run interrupted by Spot whose interrupted task is counted on the run beside its FARGATE
 * relaunch.
 */
@Timeout(240)
class TaskCostIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLUSTER = "cost";
  private static final String LABEL = "cost";

  /** The bundled table's us-east-1 x86_64 figures (src/main/resources/cost/fargate-prices.toml). */
  private static final double FARGATE_VCPU_HOUR = 0.04048;

  private static final double FARGATE_GB_HOUR = 0.004445;
  private static final double SPOT_VCPU_HOUR = 0.01264355;
  private static final double SPOT_GB_HOUR = 0.00138835;

  @TempDir static Path work;
  private static MotoServer moto;
  private static EcsFront front;
  private static EcsClient ecs;
  private static MotoAccount account;
  private static Path gates;
  private PrefectServerDouble server;
  private ServerActions actions;
  private Agent agent;
  private AgentMetrics metrics;

  /**
   * Every task's flow container runs a stand-in {@code prefect}: it waits until the test opens its
   * run's gate (a file named for the run), then exits 0, as a flow process does after it reported
   * its final state. SIGTERM ends it at once.
   */
  @BeforeAll
  static void startWorld() throws Exception {
    moto = MotoServer.start();
    gates = Files.createDirectories(work.resolve("gates"));
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path prefect = bin.resolve("prefect");
    Files.writeString(
        prefect,
        "#!/bin/sh\n"
            + "echo \"stand-in flow process for $PREFECT__CONTEXT__FLOW_RUN_ID\"\n"
            + "while [ ! -e '"
            + gates
            + "'/\"$PREFECT__CONTEXT__FLOW_RUN_ID\" ]; do sleep 0.05; done\n"
            + "exit 0\n");
    Files.setPosixFilePermissions(prefect, PosixFilePermissions.fromString("rwxr-xr-x"));
    account = MotoAccount.create(moto, CLUSTER);
    // The flow container's awslogs group: the front fails a task's start without it, as ECS does.
    try (CloudWatchLogsClient logs = moto.logs()) {
      logs.createLogGroup(r -> r.logGroupName(LogSettings.DEFAULT_LOG_GROUP));
    }
    front =
        EcsFront.start(
            moto, RunnerSettings.forTests(work.resolve("tasks")).withBinDirs(List.of(bin)));
    ecs = front.client();
  }

  @AfterAll
  static void stopWorld() {
    if (front != null) {
      front.close();
    }
    if (ecs != null) {
      ecs.close();
    }
    if (account != null) {
      account.close();
    }
    moto.close();
  }

  @BeforeEach
  void startAgent() {
    server = PrefectServerDouble.start();
    actions = new ServerActions(server.uri());
    metrics = AgentMetrics.create();
    AgentConfig config =
        TestConfigs.withEcs(
            TestConfigs.server(server.uri(), List.of(LABEL)),
            account.settings(MotoAccount.writeTemplate(work)));
    EcsRateLimits limits = EcsRateLimits.ecsQuotas();
    Clock clock = Clock.systemUTC();
    SpotBreaker breaker = new SpotBreaker(config.ecs().spotBreaker(), metrics, clock);
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(
                tenant ->
                    new EcsLauncher(
                        config, tenant, ecs, account.vpcLookup(), clock, limits, breaker))
            .supervision(new SdkEcsTasks(ecs, limits))
            .spotBreaker(breaker)
            .metrics(metrics)
            .clock(clock)
            .build();
    agent.start();
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
    server.close();
  }

  // ---- the flow process and the user ----

  /** A scheduled run of an ECSRun flow; {@code runTaskKwargs} null for the agent's placement. */
  private String scheduledRun(ObjectNode runTaskKwargs) {
    ObjectNode runConfig = JSON.createObjectNode().put("type", "ECSRun");
    runConfig.putArray("labels").add(LABEL);
    if (runTaskKwargs != null) {
      runConfig.set("run_task_kwargs", runTaskKwargs);
    }
    String flow =
        server.createFlow(
            "etl", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    return server.createFlowRun(flow, List.of(LABEL), Instant.now().minusSeconds(1), runConfig);
  }

  private static ObjectNode onDemandOnly() {
    ObjectNode kwargs = JSON.createObjectNode();
    kwargs
        .putArray("capacityProviderStrategy")
        .addObject()
        .put("capacityProvider", "FARGATE")
        .put("weight", 1);
    return kwargs;
  }

  /** The run's {@code n}-th task (from 1), once its flow container is at work. */
  private TaskView atWork(String run, int n) {
    Eventually.until(
        WAIT,
        () -> "task " + n + " of " + run + " running: " + front.tasksOf(run),
        () ->
            front.tasksOf(run).size() >= n
                && "RUNNING".equals(front.tasksOf(run).get(n - 1).lastStatus()));
    Eventually.until(
        WAIT,
        () -> run + " Submitted by the agent, is " + server.flowRunState(run),
        () -> "Submitted".equals(server.flowRunState(run)));
    return front.tasksOf(run).get(n - 1);
  }

  private void flowProcessSets(String run, String type, String message) {
    ObjectNode state = PrefectStates.failed(message);
    state.put("type", type);
    actions.setFlowRunState(run, state);
  }

  /** The flow process reports Success and exits 0; returns its task as ECS describes it stopped. */
  private Task flowSucceeds(String run, TaskView task, Duration working) throws IOException {
    LockSupport.parkNanos(working.toNanos());
    flowProcessSets(run, "Success", "All reference tasks succeeded.");
    Files.createFile(gates.resolve(run));
    return stopped(task);
  }

  private Task stopped(TaskView task) {
    Eventually.until(
        WAIT,
        () -> "stopped: " + front.task(task.taskArn()),
        () -> front.task(task.taskArn()).stopped());
    return ecs.describeTasks(r -> r.cluster(CLUSTER).tasks(task.taskArn())).tasks().get(0);
  }

  /** The run's cost lines (each at INFO), once there are {@code n}. */
  private List<String> costLines(String run, int n) {
    Eventually.until(
        WAIT,
        () -> n + " cost line(s) in the log of " + run + ": " + server.logs(run),
        () -> costRecords(run).size() >= n);
    List<LogRecord> records = costRecords(run);
    assertThat(records).extracting(LogRecord::level).containsOnly("INFO");
    return records.stream().map(LogRecord::message).toList();
  }

  private List<LogRecord> costRecords(String run) {
    return server.logs(run).stream().filter(l -> l.message().startsWith(CostLine.PREFIX)).toList();
  }

  // ---- the figures, by hand ----

  /** How long it ran as Fargate measures it: from the image pull to the stop, up to the second. */
  private static long ranSeconds(Task task) {
    assertThat(task.pullStartedAt()).as("pullStartedAt of " + task.taskArn()).isNotNull();
    assertThat(task.stoppedAt()).as("stoppedAt of " + task.taskArn()).isNotNull();
    Duration ran = Duration.between(task.pullStartedAt(), task.stoppedAt());
    return ran.toSeconds() + (ran.toNanosPart() > 0 ? 1 : 0);
  }

  /**
   * Dollars for 1 vCPU and 2 GiB (the template's 1024 CPU units and 2048 MiB) over {@code s}
   * seconds, of which Fargate bills at least a minute.
   */
  private static double dollars(long s, double vcpuHour, double gbHour) {
    long billed = Math.max(60, s);
    return (1 * billed * vcpuHour + 2 * billed * gbHour) / 3600;
  }

  /** As the line shows dollars: four decimals, two significant digits below a tenth of a cent. */
  private static String usd(double value) {
    return value >= 0.001
        ? String.format(Locale.ROOT, "$%.4f", value)
        : "$" + new java.math.BigDecimal(value).round(new java.math.MathContext(2)).toPlainString();
  }

  private static String ran(long seconds) {
    return seconds < 60
        ? seconds + " s on %s, 1 vCPU, 2 GiB, billed as 1 min (Fargate's minimum)"
        : seconds / 60 + " min " + seconds % 60 + " s on %s, 1 vCPU, 2 GiB";
  }

  private static String spotLine(long s) {
    double spot = dollars(s, SPOT_VCPU_HOUR, SPOT_GB_HOUR);
    double onDemand = dollars(s, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR);
    long saved = Math.round(100 * (onDemand - spot) / onDemand);
    return CostLine.PREFIX
        + "ran "
        + ran(s).formatted("FARGATE_SPOT")
        + ": ≈ "
        + usd(spot)
        + " (on FARGATE ≈ "
        + usd(onDemand)
        + ", Spot saved "
        + saved
        + " %). An estimate from the Fargate list prices of us-east-1 (as of 2021-01); it leaves"
        + " out storage above 20 GiB, data transfer and Savings Plans.";
  }

  private static String onDemandLine(long s) {
    return CostLine.PREFIX
        + "ran "
        + ran(s).formatted("FARGATE")
        + ": ≈ "
        + usd(dollars(s, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR))
        + ". An estimate from the Fargate list prices of us-east-1 (as of 2026-09); it leaves"
        + " out storage above 20 GiB, data transfer and Savings Plans.";
  }

  private double counter(String name, String provider) {
    List<MetricSnapshot> found = metrics.registry().scrape(n -> n.equals(name)).stream().toList();
    if (found.isEmpty()) {
      return 0;
    }
    return ((CounterSnapshot) found.get(0))
        .getDataPoints().stream()
            .filter(d -> d.getLabels().equals(Labels.of("capacity_provider", provider)))
            .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
            .sum();
  }

  private void assertSeries(String provider, long seconds, double dollars, double savings) {
    assertThat(counter("prefect_ecs_agent_task_vcpu_seconds", provider))
        .as("vCPU-seconds on " + provider)
        .isCloseTo(seconds, within(1e-9));
    assertThat(counter("prefect_ecs_agent_task_memory_gib_seconds", provider))
        .as("GiB-seconds on " + provider)
        .isCloseTo(2.0 * seconds, within(1e-9));
    assertThat(counter("prefect_ecs_agent_task_cost_usd", provider))
        .as("dollars on " + provider)
        .isCloseTo(dollars, within(1e-12));
    assertThat(counter("prefect_ecs_agent_spot_savings_usd", provider))
        .as("Spot savings on " + provider)
        .isCloseTo(savings, within(1e-12));
  }

  // ---- tests ----

  @Test
  void aFargateSpotRunLogsItsCostAndWhatSpotSavedAndCountsThem() throws IOException {
    String run = scheduledRun(null);
    TaskView task = atWork(run, 1);
    assertThat(task.capacityProvider()).isEqualTo("FARGATE_SPOT");
    flowProcessSets(run, "Running", "Running flow.");

    Task done = flowSucceeds(run, task, Duration.ofSeconds(3));

    long s = ranSeconds(done);
    assertThat(s).isBetween(3L, 30L);
    assertThat(costLines(run, 1)).containsExactly(spotLine(s));
    double spot = dollars(s, SPOT_VCPU_HOUR, SPOT_GB_HOUR);
    double onDemand = dollars(s, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR);
    assertSeries("FARGATE_SPOT", s, spot, onDemand - spot);
    assertSeries("FARGATE", 0, 0, 0);
    assertThat(server.flowRunState(run)).isEqualTo("Success");
  }

  @Test
  void aFargateRunLogsItsCostWithoutSavingsAndCountsIt() throws IOException {
    String run = scheduledRun(onDemandOnly());
    TaskView task = atWork(run, 1);
    assertThat(task.capacityProvider()).isEqualTo("FARGATE");
    flowProcessSets(run, "Running", "Running flow.");

    Task done = flowSucceeds(run, task, Duration.ofSeconds(2));

    long s = ranSeconds(done);
    assertThat(costLines(run, 1)).containsExactly(onDemandLine(s));
    assertSeries("FARGATE", s, dollars(s, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR), 0);
    assertSeries("FARGATE_SPOT", 0, 0, 0);
    assertThat(server.flowRunState(run)).isEqualTo("Success");
  }

  @Test
  void aRunInterruptedBySpotCountsItsInterruptedTaskBesideItsFargateRelaunch() throws IOException {
    String run = scheduledRun(null);
    TaskView first = atWork(run, 1);
    assertThat(first.capacityProvider()).isEqualTo("FARGATE_SPOT");
    flowProcessSets(run, "Running", "Running flow.");
    LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());

    front.inject(first.taskArn(), Fault.spotInterruption());

    Task interrupted = stopped(first);
    assertThat(interrupted.stopCodeAsString()).isEqualTo("SpotInterruption");
    long s1 = ranSeconds(interrupted);
    // The interrupted task's cost is on the run before the relaunch (31 s after its launch).
    assertThat(costLines(run, 1)).containsExactly(spotLine(s1));
    TaskView second = atWork(run, 2);
    assertThat(second.capacityProvider()).isEqualTo("FARGATE");
    flowProcessSets(run, "Running", "Running flow.");
    Task relaunched = flowSucceeds(run, second, Duration.ofSeconds(1));

    long s2 = ranSeconds(relaunched);
    assertThat(costLines(run, 2)).containsExactly(spotLine(s1), onDemandLine(s2));
    double spot = dollars(s1, SPOT_VCPU_HOUR, SPOT_GB_HOUR);
    assertSeries("FARGATE_SPOT", s1, spot, dollars(s1, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR) - spot);
    assertSeries("FARGATE", s2, dollars(s2, FARGATE_VCPU_HOUR, FARGATE_GB_HOUR), 0);
    assertThat(server.flowRunState(run)).isEqualTo("Success");
  }
}
