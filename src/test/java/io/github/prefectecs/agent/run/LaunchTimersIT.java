package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Start-time waits and launch retries against the Prefect API double, with timers that fire as
 * early as possible: no run may be lost whatever the timing.
 */
class LaunchTimersIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A scheduler whose timers fire at once, inside {@code schedule}: the fastest timer there is. */
  private static final class ImmediateScheduler extends ScheduledThreadPoolExecutor {
    ImmediateScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      command.run();
      return super.schedule(() -> {}, 0, unit);
    }
  }

  private PrefectServerDouble server;
  private PrefectApi api;
  private PrefectBatcher batcher;
  private RunReporter reporter;
  private final ScheduledThreadPoolExecutor batchScheduler = new ScheduledThreadPoolExecutor(1);
  private final ImmediateScheduler timers = new ImmediateScheduler();
  private final ExecutorService launchPool = Executors.newFixedThreadPool(4);
  private final RecordingLauncher launcher = new RecordingLauncher();

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    AgentConfig config = TestConfigs.server(server.uri(), List.of());
    api = GraphqlPrefectApi.create(config);
    batcher = new PrefectBatcher(api, batchScheduler, Duration.ofMillis(5));
    reporter = new RunReporter(batcher, "agent", Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    launchPool.shutdownNow();
    timers.shutdownNow();
    batcher.close();
    batchScheduler.shutdownNow();
    api.close();
    server.close();
  }

  private LaunchRunner runner(RunRegistry registry, LaunchSlots slots) {
    return new LaunchRunner(registry, slots, reporter, launcher, timers, launchPool, 5);
  }

  private FlowRun runStartingAt(Instant start) {
    String flow = server.createFlow("etl");
    String id = server.createFlowRun(flow, List.of(), start);
    return api.flowRuns(List.of(id), Instant.now()).get(0);
  }

  private FlowRun dueRun() {
    return runStartingAt(Instant.now().minusSeconds(1));
  }

  @Test
  void aRunWhoseStartTimeTimerFiresAtOnceIsStillClaimedAndLaunched() {
    RunRegistry registry = new RunRegistry(Clock.systemUTC());
    LaunchSlots slots = new LaunchSlots(1);
    FlowRun later = runStartingAt(Instant.now().plusSeconds(60));
    assertThat(registry.tryReserve(later.id()).reserved()).isTrue();
    assertThat(slots.tryAcquire()).isTrue();
    Submitter submitter =
        new Submitter(
            api, null, reporter, runner(registry, slots), timers, launchPool, Clock.systemUTC());

    submitter.submit(List.of(later));

    Eventually.until(
        WAIT, "the run launched", () -> registry.count(RunRegistry.Phase.LAUNCHED) == 1);
    Eventually.until(
        WAIT, "the run Submitted", () -> "Submitted".equals(server.flowRunState(later.id())));
  }

  @Test
  void aRetryWhoseTimerFiresAtOnceIsStillLaunched() {
    RunRegistry registry = new RunRegistry(Clock.systemUTC());
    LaunchSlots slots = new LaunchSlots(2);
    FlowRun throttled = dueRun();
    FlowRun flaky = dueRun();
    launcher.throttle(throttled.id(), 4).failTransiently(flaky.id(), 2);
    LaunchRunner runner = runner(registry, slots);
    for (FlowRun run : List.of(throttled, flaky)) {
      assertThat(registry.tryReserve(run.id()).reserved()).isTrue();
      assertThat(slots.tryAcquire()).isTrue();
      runner.start(run, false, RunAttempt.ofTaskRunClaim(run.version()));
    }

    Eventually.until(
        WAIT,
        "both runs launched after their retries",
        () -> registry.count(RunRegistry.Phase.LAUNCHED) == 2);
    assertThat(slots.available()).as("launch slots given back").isEqualTo(2);
    assertThat(launcher.launches()).hasSize(4 + 1 + 2 + 1);
    for (FlowRun run : List.of(throttled, flaky)) {
      Eventually.until(
          WAIT,
          "the Submitted log of " + run.id(),
          () ->
              server.logs(run.id()).stream()
                  .anyMatch(l -> l.message().startsWith("Submitted for execution: Task")));
    }
  }
}
