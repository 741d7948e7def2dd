package io.github.prefectecs.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.io.IOException;
import java.nio.file.Path;
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
  void theDrainEndsInsideTheStopTimeoutTheDeploysGiveTheAgent() throws IOException {
    int stack =
        new ObjectMapper(new YAMLFactory())
            .readTree(Path.of("deploy", "agent.yaml").toFile())
            .at("/Resources/AgentTaskDefinition/Properties/ContainerDefinitions/0/StopTimeout")
            .asInt();
    int json =
        new ObjectMapper()
            .readTree(Path.of("task-definition.json").toFile())
            .at("/containerDefinitions/0/stopTimeout")
            .asInt();

    assertThat(StopBudget.TOTAL)
        .isLessThan(Duration.ofSeconds(stack))
        .isLessThan(Duration.ofSeconds(json));
  }

  @Test
  void theStopStagesLeaveTheFlushItsShareInsideEcsStopTimeout() {
    Duration ecsStopTimeoutMax = Duration.ofSeconds(120);
    Duration laterStages =
        StopBudget.WATCH
            .plus(StopBudget.LOGS)
            .plus(StopBudget.FLUSH)
            .plus(StopBudget.NOTICES)
            .plus(StopBudget.POOL)
            .plus(StopBudget.CLIENTS);

    assertThat(StopBudget.TOTAL).isLessThan(ecsStopTimeoutMax);
    // a quick poll stop: launches get what the budget leaves after the later stages' shares
    Duration quick = StopBudget.launchDrain(Duration.ofSeconds(1));
    assertThat(quick).isLessThanOrEqualTo(StopBudget.LAUNCH_DRAIN).isGreaterThan(Duration.ZERO);
    assertThat(Duration.ofSeconds(1).plus(quick).plus(laterStages)).isEqualTo(StopBudget.TOTAL);
    // a poll that took its whole 15 s: launches get less, the later stages keep their share
    Duration slowPoll = StopBudget.POLL;
    assertThat(slowPoll.plus(StopBudget.launchDrain(slowPoll)).plus(laterStages))
        .isEqualTo(StopBudget.TOTAL);
    // past the budget already: no drain at all, never a negative wait
    assertThat(StopBudget.launchDrain(Duration.ofSeconds(200))).isZero();
  }
}
