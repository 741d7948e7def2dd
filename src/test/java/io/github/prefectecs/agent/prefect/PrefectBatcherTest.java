package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PrefectBatcherTest {
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  /** Records batches; log writes wait for {@code gate}; unknown ids fail per item. */
  private static final class FakeApi extends UnusedPrefectApi {
    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<io.github.prefectecs.agent.prefect.FlowRunStatus> flowRunStatuses(
        Collection<String> ids) {
      throw new UnsupportedOperationException();
    }

    final List<List<StateUpdate>> stateBatches = new CopyOnWriteArrayList<>();
    final List<List<LogEntry>> logBatches = new CopyOnWriteArrayList<>();
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger failLogCalls = new AtomicInteger();
    PrefectApiException stateFailure;

    @Override
    public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
      stateBatches.add(List.copyOf(updates));
      if (stateFailure != null) {
        throw stateFailure;
      }
      List<UpdateResult> results = new ArrayList<>();
      for (StateUpdate update : updates) {
        results.add(
            update.runId().startsWith("taken")
                ? new UpdateResult(
                    update.runId(), new PrefectApiException(Kind.ALREADY_SUBMITTED, "taken"))
                : UpdateResult.ok(update.runId()));
      }
      return results;
    }

    @Override
    public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      logBatches.add(List.copyOf(logs));
      if (failLogCalls.getAndDecrement() > 0) {
        throw new PrefectApiException(Kind.TRANSPORT, "down");
      }
      return logs.stream().map(LogEntry::flowRunId).distinct().map(UpdateResult::ok).toList();
    }

    @Override
    public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
      return setFlowRunStates(updates);
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

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static LogEntry log(String message) {
    return new LogEntry("run", "agent", "INFO", message, null);
  }

  @Test
  void fullLogBufferRefusesLinesAndCountsThem() throws Exception {
    FakeApi api = new FakeApi();
    try (PrefectBatcher batcher =
        new PrefectBatcher(
            api,
            scheduler,
            Duration.ofMillis(5),
            new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
            3,
            Clock.systemUTC())) {
      List<CompletableFuture<Void>> accepted = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        accepted.add(batcher.writeLog(log("line " + i)));
      }
      CompletableFuture<Void> refused = batcher.writeLog(log("overflow"));
      CompletableFuture<Void> refusedToo = batcher.writeLog(log("overflow 2"));

      assertThat(refused).isCompletedExceptionally();
      assertThat(refused.handle((ok, e) -> e).join()).hasMessageContaining("log buffer is full");
      assertThat(refusedToo).isCompletedExceptionally();
      assertThat(batcher.overflowCount()).isEqualTo(2);
      api.gate.countDown();
      CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertThat(batcher.writeLog(log("room again")).get(10, TimeUnit.SECONDS)).isNull();
    }
  }

  @Test
  void retryableLogFailuresAreRetriedUntilWritten() throws Exception {
    FakeApi api = new FakeApi();
    api.failLogCalls.set(3);
    api.gate.countDown();
    try (PrefectBatcher batcher =
        new PrefectBatcher(
            api,
            scheduler,
            Duration.ofMillis(5),
            new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
            100,
            Clock.systemUTC())) {
      CompletableFuture<Void> line = batcher.writeLog(log("keep me"));

      line.get(10, TimeUnit.SECONDS);
    }
    assertThat(api.logBatches)
        .hasSize(4)
        .allSatisfy(b -> assertThat(b).extracting(LogEntry::message).containsExactly("keep me"));
  }

  @Test
  void perItemErrorsReachOnlyTheirFutures() throws Exception {
    FakeApi api = new FakeApi();
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMinutes(1))) {
      CompletableFuture<Void> ok =
          batcher.setFlowRunState(new StateUpdate("a", 1, PrefectStates.failed("x")));
      CompletableFuture<Void> taken =
          batcher.setFlowRunState(new StateUpdate("taken-b", 1, PrefectStates.failed("x")));
      batcher.dispatchNow();

      assertThat(ok.get(10, TimeUnit.SECONDS)).isNull();
      Throwable error = taken.handle((v, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(error)
          .isInstanceOfSatisfying(
              PrefectApiException.class,
              e -> assertThat(e.kind()).isEqualTo(Kind.ALREADY_SUBMITTED));
    }
    assertThat(api.stateBatches).hasSize(1);
  }

  @Test
  void aFailedStateRequestFailsEveryItemWithItsError() throws Exception {
    FakeApi api = new FakeApi();
    api.stateFailure = new PrefectApiException(Kind.HTTP_STATUS, "HTTP 503", 503, null);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMillis(5))) {
      CompletableFuture<Void> a =
          batcher.setFlowRunState(new StateUpdate("a", 1, PrefectStates.failed("x")));
      CompletableFuture<Void> b =
          batcher.setTaskRunState(new StateUpdate("b", 1, PrefectStates.failed("x")));

      assertThat(a.handle((v, e) -> e).get(10, TimeUnit.SECONDS)).isSameAs(api.stateFailure);
      assertThat(b.handle((v, e) -> e).get(10, TimeUnit.SECONDS)).isSameAs(api.stateFailure);
    }
  }

  @Test
  void flushWaitsAndCloseFailsWhatIsLeft() throws Exception {
    FakeApi api = new FakeApi();
    PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMillis(5));
    CompletableFuture<Void> stuck = batcher.writeLog(log("stuck"));

    assertThat(batcher.flush(Duration.ofMillis(200))).isFalse();
    batcher.close();

    assertThat(stuck.handle((v, e) -> e).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("closed before sending");
    assertThat(batcher.writeLog(log("late"))).isCompletedExceptionally();
    api.gate.countDown();
  }

  @Test
  void claimsGoAtOnceWhileLogsAndTaskRunStatesWaitForTheirWindow() throws Exception {
    FakeApi api = new FakeApi();
    api.gate.countDown();
    PrefectBatcher.Windows windows =
        new PrefectBatcher.Windows(Duration.ofMinutes(1), Duration.ofMinutes(1), 1_000);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, windows)) {
      CompletableFuture<Void> claim =
          batcher.setFlowRunState(new StateUpdate("claim", 1, PrefectStates.failed("x")));
      CompletableFuture<Void> task =
          batcher.setTaskRunState(new StateUpdate("task", 1, PrefectStates.failed("x")));
      CompletableFuture<Void> line = batcher.writeLog(log("launched"));

      batcher.dispatchFlowRunStates();
      claim.get(10, TimeUnit.SECONDS);

      assertThat(api.stateBatches).hasSize(1);
      assertThat(api.stateBatches.get(0)).extracting(StateUpdate::runId).containsExactly("claim");
      assertThat(task).isNotDone();
      assertThat(line).isNotDone();
      assertThat(api.logBatches).isEmpty();

      batcher.dispatchNow();
      task.get(10, TimeUnit.SECONDS);
      line.get(10, TimeUnit.SECONDS);
      assertThat(api.logBatches).hasSize(1);
    }
  }

  @Test
  void logsAndTaskRunStatesGoInOneRequestOnceFlushAtAreWaiting() throws Exception {
    FakeApi api = new FakeApi();
    api.gate.countDown();
    PrefectBatcher.Windows windows =
        new PrefectBatcher.Windows(Duration.ofMinutes(1), Duration.ofMinutes(1), 3);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, windows)) {
      List<CompletableFuture<Void>> lines = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        lines.add(batcher.writeLog(new LogEntry("run-" + i, "agent", "INFO", "line", null)));
      }
      CompletableFuture<Void> first =
          batcher.setTaskRunState(new StateUpdate("t1", 1, PrefectStates.failed("x")));
      CompletableFuture<Void> second =
          batcher.setTaskRunState(new StateUpdate("t2", 1, PrefectStates.failed("x")));

      CompletableFuture.allOf(lines.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertThat(api.logBatches).hasSize(1);
      assertThat(api.logBatches.get(0)).hasSize(3);
      assertThat(first).isNotDone();
      assertThat(second).isNotDone();

      CompletableFuture<Void> third =
          batcher.setTaskRunState(new StateUpdate("t3", 1, PrefectStates.failed("x")));
      CompletableFuture.allOf(first, second, third).get(10, TimeUnit.SECONDS);
      assertThat(api.stateBatches).hasSize(1);
      assertThat(api.stateBatches.get(0))
          .extracting(StateUpdate::runId)
          .containsExactly("t1", "t2", "t3");
    }
  }

  @Test
  void aLoneLogLineGoesWhenItsWindowEnds() throws Exception {
    FakeApi api = new FakeApi();
    api.gate.countDown();
    PrefectBatcher.Windows windows =
        new PrefectBatcher.Windows(Duration.ofMinutes(1), Duration.ofMillis(50), 1_000);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, windows)) {
      batcher.writeLog(log("alone")).get(10, TimeUnit.SECONDS);
      assertThat(api.logBatches).hasSize(1);
    }
  }

  @Test
  void windowsRejectAFlushCountBelowOne() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new PrefectBatcher.Windows(Duration.ZERO, Duration.ZERO, 0))
        .hasMessage("flushAt must be at least 1, was 0");
  }
}
