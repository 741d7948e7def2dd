package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PrefectBatcherIT {
  private PrefectServerDouble server;
  private GraphqlPrefectApi api;
  private ScheduledExecutorService scheduler;
  private Instant now;
  private String flowId;

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    now = Instant.parse("2021-12-01T10:00:00Z");
    server.clock().freeze(now);
    flowId = server.createFlow("etl");
    // one attempt per request, so a failure reaches the batcher at once
    api =
        new GraphqlPrefectApi(
            GraphqlPrefectApiIT.settings(server.uri(), Secret.empty())
                .withRetries(
                    1,
                    new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
                    Duration.ofMillis(5)),
            new OkHttpClient(),
            Clock.systemUTC());
    scheduler = Executors.newScheduledThreadPool(2);
  }

  @AfterEach
  void stop() {
    assertThat(server.validationErrors()).isEmpty();
    scheduler.shutdownNow();
    api.close();
    server.close();
  }

  @Test
  void fiftyConcurrentStateUpdatesGoOutInOneRequest() throws Exception {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      runs.add(server.createFlowRun(flowId, List.of(), now));
    }
    ExecutorService threads = Executors.newFixedThreadPool(50);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMinutes(5))) {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<CompletableFuture<Void>>> queued = new ArrayList<>();
      for (String run : runs) {
        queued.add(
            CompletableFuture.supplyAsync(
                () -> {
                  awaitQuietly(go);
                  return batcher.setFlowRunState(
                      new StateUpdate(
                          run, 1, PrefectStates.submitted(null, "Submitted for execution")));
                },
                threads));
      }
      go.countDown();
      List<CompletableFuture<Void>> futures = queued.stream().map(CompletableFuture::join).toList();

      batcher.dispatchNow();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    } finally {
      threads.shutdownNow();
    }

    assertThat(server.requestCount("set_flow_run_states")).isEqualTo(1);
    assertThat(runs).allSatisfy(run -> assertThat(server.flowRunState(run)).isEqualTo("Submitted"));
  }

  @Test
  void itemsQueuedWithinMaxDelayShareOneRequestPerKind() throws Exception {
    String run = server.createFlowRun(flowId, List.of(), now);
    String task = server.createTaskRun(run, "Scheduled", now);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMillis(300))) {
      CompletableFuture<Void> state =
          batcher.setFlowRunState(new StateUpdate(run, 1, PrefectStates.failed("x")));
      CompletableFuture<Void> taskState =
          batcher.setTaskRunState(new StateUpdate(task, 1, PrefectStates.failed("y")));
      CompletableFuture<Void> one =
          batcher.writeLog(new LogEntry(run, "agent", "INFO", "one", null));
      CompletableFuture<Void> two =
          batcher.writeLog(new LogEntry(run, "agent", "INFO", "two", null));

      CompletableFuture.allOf(state, taskState, one, two).get(20, TimeUnit.SECONDS);
    }

    assertThat(server.requestCount()).isEqualTo(3);
    assertThat(server.requestCount("write_run_logs")).isEqualTo(1);
    assertThat(server.logs(run)).extracting(l -> l.message()).containsExactly("one", "two");
    assertThat(server.taskRunState(task)).isEqualTo("Failed");
  }

  @Test
  void alreadySubmittedFailsOnlyThatRunsFuture() throws Exception {
    String a = server.createFlowRun(flowId, List.of(), now);
    String taken = server.createFlowRun(flowId, List.of(), now);
    String c = server.createFlowRun(flowId, List.of(), now);
    server.setFlowRunState(taken, PrefectStates.submitted(null, "Submitted for execution"));
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMinutes(5))) {
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (String run : List.of(a, taken, c)) {
        futures.add(
            batcher.setFlowRunState(
                new StateUpdate(run, 1, PrefectStates.submitted(null, "Submitted for execution"))));
      }
      batcher.dispatchNow();

      futures.get(0).get(20, TimeUnit.SECONDS);
      futures.get(2).get(20, TimeUnit.SECONDS);
      Throwable failure = futures.get(1).handle((ok, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(failure)
          .isInstanceOfSatisfying(
              PrefectApiException.class,
              e -> assertThat(e.kind()).isEqualTo(Kind.ALREADY_SUBMITTED));
    }
    assertThat(server.requestCount("set_flow_run_states")).isEqualTo(1);
    assertThat(server.flowRunState(a)).isEqualTo("Submitted");
    assertThat(server.flowRunState(c)).isEqualTo("Submitted");
  }

  @Test
  void logsThatFailRetryablyAreRetriedAndNoneIsLost() throws Exception {
    String run = server.createFlowRun(flowId, List.of(), now);
    server.failNextRequests(2, 503);
    try (PrefectBatcher batcher =
        new PrefectBatcher(
            api,
            scheduler,
            Duration.ofMillis(20),
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
            100,
            Clock.systemUTC())) {
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        futures.add(batcher.writeLog(new LogEntry(run, "agent", "INFO", "line " + i, null)));
      }

      assertThat(batcher.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(futures)
          .allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
    }

    assertThat(server.logs(run)).hasSize(10);
    assertThat(server.requestCount("write_run_logs")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void logsOfAnUnknownRunFailWithoutBlockingOthers() throws Exception {
    String run = server.createFlowRun(flowId, List.of(), now);
    try (PrefectBatcher batcher = new PrefectBatcher(api, scheduler, Duration.ofMillis(20))) {
      CompletableFuture<Void> good =
          batcher.writeLog(new LogEntry(run, "agent", "INFO", "kept", null));
      CompletableFuture<Void> bad =
          batcher.writeLog(
              new LogEntry("00000000-0000-4000-8000-000000000000", "agent", "INFO", "x", null));

      good.get(20, TimeUnit.SECONDS);
      Throwable failure = bad.handle((ok, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(failure)
          .isInstanceOf(PrefectApiException.class)
          .hasMessageContaining("Foreign key violation.");
    }
    assertThat(server.logs(run)).extracting(l -> l.message()).containsExactly("kept");
    assertThat(server.requestCount("write_run_logs")).isEqualTo(1);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }
}
