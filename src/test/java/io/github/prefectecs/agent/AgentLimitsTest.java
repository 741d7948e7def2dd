package io.github.prefectecs.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.Eventually;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AgentLimitsTest {

  @Test
  @Timeout(30)
  void launchThreadsEndWhenIdleInsteadOfStayingPinned() throws Exception {
    ThreadPoolExecutor pool = Agent.launchPool(1_000, Duration.ofMillis(200));
    try {
      int burst = 50;
      CountDownLatch started = new CountDownLatch(burst);
      CountDownLatch release = new CountDownLatch(1);
      for (int i = 0; i < burst; i++) {
        pool.execute(
            () -> {
              started.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      started.await();
      assertThat(pool.getPoolSize()).isEqualTo(burst);

      release.countDown();

      Eventually.until(
          Duration.ofSeconds(10), "idle launch threads ended", () -> pool.getPoolSize() == 0);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theStopStagesLeaveTheFlushItsShareInsideEcsStopTimeout() {
    Duration ecsStopTimeoutMax = Duration.ofSeconds(120);
    Duration fixedStages = Agent.POLL_STOP.plus(Agent.FLUSH_DEADLINE).plus(Agent.POOL_STOP);

    assertThat(Agent.STOP_BUDGET).isLessThan(ecsStopTimeoutMax);
    assertThat(fixedStages).isLessThan(Agent.STOP_BUDGET);
    // the drain gets what is left, never the flush's share
    assertThat(Agent.STOP_BUDGET.minus(fixedStages)).isPositive();
  }
}
