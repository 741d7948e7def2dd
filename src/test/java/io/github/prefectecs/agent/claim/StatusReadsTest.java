package io.github.prefectecs.agent.claim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.testsupport.UnusedPrefectApi;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StatusReadsTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final StatusApi api = new StatusApi();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    pool.shutdownNow();
  }

  @Test
  void checksDueTogetherShareOneQuery() throws Exception {
    StatusReads reads = new StatusReads(api, scheduler, pool);
    CompletableFuture<FlowRunStatus> a = reads.read("a", 0);
    CompletableFuture<FlowRunStatus> b = reads.read("b", 0);
    CompletableFuture<FlowRunStatus> gone = reads.read("gone", 0);

    assertThat(a.get(10, TimeUnit.SECONDS).state()).isEqualTo("Submitted");
    assertThat(b.get(10, TimeUnit.SECONDS).id()).isEqualTo("b");
    assertThat(gone.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(api.queries).hasSize(1);
    assertThat(api.queries.get(0)).containsExactlyInAnyOrder("a", "b", "gone");
  }

  @Test
  void aFailedQueryFailsEveryCheckInIt() throws Exception {
    api.failure = new PrefectApiException(PrefectApiException.Kind.TRANSPORT, "timeout");
    StatusReads reads = new StatusReads(api, scheduler, pool);
    CompletableFuture<FlowRunStatus> a = reads.read("a", 0);
    CompletableFuture<FlowRunStatus> b = reads.read("b", 0);

    assertThat(a.handle((s, e) -> e).get(10, TimeUnit.SECONDS)).isSameAs(api.failure);
    assertThat(b.handle((s, e) -> e).get(10, TimeUnit.SECONDS)).isSameAs(api.failure);
  }

  @Test
  void aStoppedPoolAnswersChecksWithARejection() throws Exception {
    pool.shutdown();
    StatusReads reads = new StatusReads(api, scheduler, pool);

    assertThat(reads.read("a", 0).handle((s, e) -> e).get(10, TimeUnit.SECONDS))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(api.queries).isEmpty();
  }

  /** Answers every id except "gone" as Submitted; records each query. */
  private static final class StatusApi extends UnusedPrefectApi {
    final List<List<String>> queries = new CopyOnWriteArrayList<>();
    volatile PrefectApiException failure;

    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {
      throw new UnsupportedOperationException("flow run checks only");
    }

    @Override
    public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
      queries.add(List.copyOf(ids));
      if (failure != null) {
        throw failure;
      }
      return ids.stream()
          .filter(id -> !id.equals("gone"))
          .map(id -> new FlowRunStatus(id, "Submitted", 2, "agent"))
          .toList();
    }

    @Override
    public void hello() {}
  }
}
