package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.cost.CostEstimator;
import io.github.prefectecs.agent.cost.PriceTable;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.testsupport.ManualClock;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import io.github.prefectecs.agent.watch.EcsTasks;
import io.github.prefectecs.agent.watch.Notices;
import io.github.prefectecs.agent.watch.ObservedTask;
import io.github.prefectecs.agent.watch.RunOutcomes;
import io.github.prefectecs.agent.watch.SpotBreaker;
import io.github.prefectecs.agent.watch.TaskWatcher;
import io.github.prefectecs.agent.watch.WatchSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 1000 tasks in flight for 5 simulated minutes (a simulated clock, so it runs in seconds): each
 * task starts (PENDING 20-90 s), runs 1-8 minutes and stops (90 % clean after its flow reported
 * Success, 10 % OOM-killed); every stopped task is replaced, so 1000 stay in flight. Runs the
 * {@link TaskWatcher} and, in the same run, a naive watcher that describes each task and reads each
 * run on its own every 5 s, and prints DescribeTasks calls and Prefect requests per minute, the
 * peak DescribeTasks calls in one second against the 20/s quota, and the time from STOPPED to the
 * run's final state (p50, p99).
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.WatchBenchmark [-Dexec.args="1000 300"]}
 */
public final class WatchBenchmark {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TICK = Duration.ofSeconds(5);

  /** One simulated task's life. */
  record Life(
      String runId, String arn, Instant created, Instant running, Instant stops, boolean oom) {}

  /** ECS and Prefect in one simulation, counting calls. */
  static final class World extends UnusedPrefectApi implements EcsTasks {
    final ManualClock clock;
    final Map<String, Life> lives = new ConcurrentHashMap<>();
    final Map<String, String> states = new ConcurrentHashMap<>();
    final Map<String, Integer> versions = new ConcurrentHashMap<>();
    final Map<String, Instant> settledAt = new ConcurrentHashMap<>();
    final AtomicInteger describeCalls = new AtomicInteger();
    final AtomicInteger prefectRequests = new AtomicInteger();
    final Map<Long, AtomicInteger> describesPerSecond = new ConcurrentHashMap<>();
    private final Random random = new Random(42);
    private final AtomicInteger ids = new AtomicInteger();

    World(ManualClock clock) {
      this.clock = clock;
    }

    Life launch() {
      int n = ids.incrementAndGet();
      Instant now = clock.instant();
      Instant running = now.plusSeconds(20 + random.nextInt(70));
      Life life =
          new Life(
              "run-" + n,
              "arn:aws:ecs:us-east-1:1:task/c/" + n,
              now,
              running,
              running.plusSeconds(60 + random.nextInt(420)),
              random.nextInt(10) == 0);
      lives.put(life.arn(), life);
      states.put(life.runId(), "Submitted");
      versions.put(life.runId(), 2);
      return life;
    }

    /** The flow process: Running once its task runs, Success just before a clean exit. */
    void advanceFlows() {
      for (Life l : lives.values()) {
        String state = states.get(l.runId());
        if ("Submitted".equals(state) && !clock.instant().isBefore(l.running())) {
          setState(l.runId(), "Running");
        }
        if ("Running".equals(state)
            && !l.oom()
            && !clock.instant().isBefore(l.stops().minusSeconds(1))) {
          setState(l.runId(), "Success");
          settledAt.putIfAbsent(l.runId(), l.stops());
        }
      }
    }

    private void setState(String runId, String state) {
      states.put(runId, state);
      versions.merge(runId, 1, Integer::sum);
    }

    ObservedTask observe(Life l) {
      Instant now = clock.instant();
      String status =
          now.isBefore(l.running()) ? "PENDING" : now.isBefore(l.stops()) ? "RUNNING" : "STOPPED";
      boolean stopped = status.equals("STOPPED");
      Integer exit = stopped ? (l.oom() ? 137 : 0) : null;
      return new ObservedTask(
          l.arn(),
          new ObservedTask.Tags(l.runId(), "bench", null, null, null),
          "arn:aws:ecs:us-east-1:1:task-definition/flow:1",
          status,
          stopped ? "STOPPED" : "RUNNING",
          stopped ? "EssentialContainerExited" : null,
          stopped ? "Essential container in task exited" : null,
          new ObservedTask.Times(l.created(), null, null, stopped ? l.stops() : null),
          ObservedTask.Capacity.unknown(),
          List.of(
              new ObservedTask.Container(
                  "flow", exit, l.oom() && stopped ? "OutOfMemoryError: Container killed" : null)));
    }

    @Override
    public Described describe(String cluster, List<String> taskArns) {
      describeCalls.incrementAndGet();
      describesPerSecond
          .computeIfAbsent(clock.instant().getEpochSecond(), s -> new AtomicInteger())
          .incrementAndGet();
      List<ObservedTask> found = new ArrayList<>();
      for (String arn : taskArns) {
        found.add(observe(lives.get(arn)));
      }
      return new Described(found, List.of());
    }

    @Override
    public void stop(String cluster, String taskArn, String reason) {}

    @Override
    public List<ObservedTask> listStopped(String cluster) {
      return List.of();
    }

    @Override
    public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
      prefectRequests.incrementAndGet();
      return ids.stream()
          .map(id -> new FlowRunStatus(id, states.get(id), versions.get(id), "a"))
          .toList();
    }

    /** One request; each flow run has one task run, open until its run finishes. */
    @Override
    public List<FlowRunStatus> flowRunStatuses(
        Collection<String> ids, Collection<String> withOpenTaskRuns) {
      return flowRunStatuses(ids).stream()
          .map(
              s ->
                  withOpenTaskRuns.contains(s.id()) && !PrefectStates.isFinished(s.state())
                      ? s.withOpenTaskRuns(
                          List.of(
                              new TaskRun(
                                  s.id() + "-task",
                                  1,
                                  "task",
                                  PrefectStates.failed("running").put("type", "Running"))))
                      : s)
          .toList();
    }

    @Override
    public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
      prefectRequests.incrementAndGet();
      for (StateUpdate u : updates) {
        setState(u.runId(), u.state().path("type").asText());
        settledAt.putIfAbsent(u.runId(), clock.instant());
      }
      return updates.stream().map(u -> UpdateResult.ok(u.runId())).toList();
    }

    @Override
    public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
      prefectRequests.incrementAndGet();
      return ids.stream().map(UpdateResult::ok).toList();
    }

    @Override
    public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
      prefectRequests.incrementAndGet();
      return logs.stream().map(LogEntry::flowRunId).distinct().map(UpdateResult::ok).toList();
    }

    @Override
    public void hello() {}

    @Override
    public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
      return List.of();
    }

    @Override
    public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
      return List.of();
    }
  }

  /** What one watcher cost and how fast it settled runs. */
  record Figures(
      double describesPerMin,
      double prefectPerMin,
      int peakDescribesPerSecond,
      long p50,
      long p99,
      int settled) {}

  interface Watcher {
    void tick();
  }

  public static void main(String[] args) throws Exception {
    int inFlight = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Figures batched = simulate(inFlight, seconds, false);
    Figures naive = simulate(inFlight, seconds, true);
    System.out.printf(
        "Watch benchmark: %d tasks in flight for %d simulated seconds (tick 5 s)%n",
        inFlight, seconds);
    System.out.printf("%-28s %14s %14s %14s%n", "", "TaskWatcher", "naive (1/task)", "ratio");
    row("DescribeTasks calls / min", batched.describesPerMin(), naive.describesPerMin());
    row("Prefect requests / min", batched.prefectPerMin(), naive.prefectPerMin());
    row(
        "peak DescribeTasks in 1 s",
        batched.peakDescribesPerSecond(),
        naive.peakDescribesPerSecond());
    System.out.printf(
        "ECS read quota: 20 calls/s sustained, 100 burst; TaskWatcher uses %.1f %% of the sustained"
            + " rate%n",
        batched.describesPerMin() / 60 / 20 * 100);
    System.out.printf("%-28s %14d %14d%n", "OOM runs failed", batched.settled(), naive.settled());
    System.out.printf(
        "%-28s %13ds %13ds%n", "STOPPED -> final state p50", batched.p50(), naive.p50());
    System.out.printf(
        "%-28s %13ds %13ds%n", "STOPPED -> final state p99", batched.p99(), naive.p99());
    System.exit(0);
  }

  private static void row(String what, double ours, double naive) {
    System.out.printf(
        "%-28s %14.1f %14.1f %13.1fx%n", what, ours, naive, ours == 0 ? 0 : naive / ours);
  }

  static Figures simulate(int inFlight, int seconds, boolean naiveMode) throws Exception {
    ManualClock clock = new ManualClock(T0);
    World world = new World(clock);
    RunRegistry registry = new RunRegistry(clock);
    ScheduledExecutorService threads = Executors.newScheduledThreadPool(2);
    PrefectBatcher batcher = new PrefectBatcher(world, threads, Duration.ofMillis(1));
    RunReporter reporter = new RunReporter(batcher, "bench", clock);
    Watcher watcher;
    if (naiveMode) {
      watcher = () -> naiveTick(world, registry, reporter);
    } else {
      TaskWatcher real =
          new TaskWatcher(
              world,
              world,
              registry,
              TaskEvents.NONE,
              new RunOutcomes(reporter, Notices.NONE, runId -> {}),
              WatchSettings.defaults(null, "bench", Duration.ofMinutes(10), 3),
              new CostEstimator(PriceTable.of(CostSettings.defaults())),
              SpotBreaker.off(),
              clock,
              threads);
      watcher = real::tick;
    }
    for (int i = 0; i < inFlight; i++) {
      Life l = world.launch();
      registry.markLaunched(l.runId(), l.arn());
    }
    for (int t = 0; t < seconds; t += (int) TICK.toSeconds()) {
      clock.advance(TICK);
      world.advanceFlows();
      watcher.tick();
      batcher.flush(Duration.ofSeconds(30));
      int missing = inFlight - registry.tasks().size();
      for (int i = 0; i < missing; i++) {
        Life l = world.launch();
        registry.markLaunched(l.runId(), l.arn());
      }
    }
    batcher.close();
    threads.shutdownNow();
    List<Long> latencies = new ArrayList<>();
    for (Life l : world.lives.values()) {
      Instant settled = world.settledAt.get(l.runId());
      if (settled != null && l.oom()) {
        latencies.add(Duration.between(l.stops(), settled).toSeconds());
      } else if (settled != null && !clock.instant().isBefore(l.stops())) {
        // A clean run is final when its flow reports Success; the watcher then only forgets it.
        latencies.add(0L);
      }
    }
    latencies.sort(Long::compare);
    double minutes = seconds / 60.0;
    int peak =
        world.describesPerSecond.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    List<Long> oom = new ArrayList<>();
    for (Life l : world.lives.values()) {
      Instant settled = world.settledAt.get(l.runId());
      if (settled != null && l.oom()) {
        oom.add(Duration.between(l.stops(), settled).toSeconds());
      }
    }
    oom.sort(Long::compare);
    return new Figures(
        world.describeCalls.get() / minutes,
        world.prefectRequests.get() / minutes,
        peak,
        percentile(oom, 50),
        percentile(oom, 99),
        oom.size());
  }

  /** One DescribeTasks and one flow_run query per task every tick; writes each outcome at once. */
  private static void naiveTick(World world, RunRegistry registry, RunReporter reporter) {
    for (RunRegistry.Entry e : registry.tasks()) {
      ObservedTask task = world.describe(null, List.of(e.taskArn())).tasks().get(0);
      FlowRunStatus status = world.flowRunStatuses(List.of(e.runId())).get(0);
      if (!task.stopped()) {
        continue;
      }
      boolean finished = List.of("Success", "Failed", "Cancelled").contains(status.state());
      if (!finished) {
        reporter.setFlowRunState(
            new StateUpdate(
                e.runId(),
                status.version(),
                io.github.prefectecs.agent.prefect.PrefectStates.failed(
                    "exit " + task.containers().get(0).exitCode())));
        reporter.log(e.runId(), "ERROR", "task stopped");
      }
      registry.releaseTask(e.runId(), e.taskArn());
    }
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
