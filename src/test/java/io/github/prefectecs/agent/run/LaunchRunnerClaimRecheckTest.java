package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.ManualClock;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A launch whose claim is older than {@link LaunchRunner#RECHECK_AFTER} asks first whether the
 * claim still holds: a restarted agent of the same name may have taken it over, and a run must
 * never get a task from each.
 */
@Timeout(30)
class LaunchRunnerClaimRecheckTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private final ManualClock clock = new ManualClock(START);
  private final RunRegistry registry = new RunRegistry(clock);
  private final LaunchSlots slots = new LaunchSlots(2);
  private final RecordingLauncher launcher = new RecordingLauncher();
  private final ExecutorService launchPool = Executors.newSingleThreadExecutor();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final ScheduledExecutorService batchThreads = Executors.newScheduledThreadPool(1);
  private final PrefectBatcher batcher =
      new PrefectBatcher(
          new UnusedPrefectApi() {
            @Override
            public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
              return logs.stream().map(l -> UpdateResult.ok(l.flowRunId())).distinct().toList();
            }
          },
          batchThreads,
          Duration.ofMillis(1));
  private final LaunchRunner runner =
      new LaunchRunner(
          registry,
          slots,
          new RunReporter(batcher, "agent", clock),
          launcher,
          timers,
          launchPool,
          5);
  private final Deque<Boolean> answers = new ArrayDeque<>();
  private int checks;

  @AfterEach
  void stop() {
    launchPool.shutdownNow();
    timers.shutdownNow();
    batcher.close();
    batchThreads.shutdownNow();
  }

  private FlowRun run(String id) {
    return new FlowRun(
        id,
        1,
        "Scheduled",
        null,
        null,
        START,
        null,
        "run",
        new Flow("f", "etl", null, null, 1, "0.15.13"),
        List.of());
  }

  /**
   * Claims and starts {@code run}, whose launch then waits until the clock moved by {@code age}.
   */
  private void startAged(FlowRun run, Duration age) throws InterruptedException {
    runner.checkOldClaimsWith(
        (r, attempt, flowRunClaimed) -> {
          checks++;
          return answers.isEmpty() ? Boolean.TRUE : answers.poll();
        });
    CountDownLatch busy = new CountDownLatch(1);
    launchPool.execute(
        () -> {
          try {
            busy.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(registry.tryReserve(run.id()).reserved()).isTrue();
    assertThat(slots.tryAcquire()).isTrue();
    runner.start(run, true, new RunAttempt("0000abcd", 3));
    clock.advance(age);
    busy.countDown();
  }

  @Test
  void aFreshClaimIsLaunchedWithoutACheck() throws Exception {
    startAged(run("fresh"), Duration.ofSeconds(5));

    Eventually.until(Duration.ofSeconds(10), "launched", () -> launcher.launches().size() == 1);
    assertThat(checks).isZero();
  }

  @Test
  void anOldClaimTakenOverByAnotherProcessIsNotLaunched() throws Exception {
    answers.add(false);
    startAged(run("taken"), LaunchRunner.RECHECK_AFTER.plusSeconds(1));

    Eventually.until(Duration.ofSeconds(10), "released", () -> !registry.contains("taken"));
    launchPool.submit(() -> {}).get(5, TimeUnit.SECONDS);
    assertThat(launcher.launches()).isEmpty();
    assertThat(slots.available()).isEqualTo(2);
    assertThat(checks).isEqualTo(1);
  }

  @Test
  void anOldClaimThatStillHoldsIsLaunched() throws Exception {
    answers.add(true);
    startAged(run("held"), LaunchRunner.RECHECK_AFTER.plusSeconds(1));

    Eventually.until(Duration.ofSeconds(10), "launched", () -> launcher.launches().size() == 1);
    assertThat(checks).isEqualTo(1);
  }
}
