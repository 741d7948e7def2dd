package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.cost.CostLine;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The maximum runtime the launcher tags a task with: a task running longer is stopped and its run
 * failed with the limit and the time; a run Prefect finished meanwhile keeps its state.
 */
@Timeout(60)
class RuntimeLimitTest {
  private final WatchHarness h = new WatchHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private String launchWithLimit(String runId, Duration limit) {
    String arn = h.launch(runId);
    h.ecs.put(
        FakeEcsTasks.task(
            arn,
            new ObservedTask.Tags(runId, "agent", WatchHarness.attemptOf(runId), limit, null),
            "RUNNING"));
    h.prefect.set(runId, "Running");
    return arn;
  }

  private void runFor(Duration d) {
    for (long s = 0; s < d.toSeconds(); s += 15) {
      h.clock.advance(Duration.ofSeconds(15));
      h.tick();
    }
  }

  @Test
  void aTaskPastItsLimitIsStoppedAndItsRunFailedWithTheLimitAndTheTime() {
    String arn = launchWithLimit("r1", Duration.ofHours(1));
    h.tick();

    runFor(Duration.ofMinutes(59));
    assertThat(h.ecs.stopped).isEmpty();

    runFor(Duration.ofSeconds(75));
    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.ecs.stopReasons)
        .singleElement()
        .asString()
        .isEqualTo("Flow run r1 ran past its maximum runtime of 1 h");

    h.tickUntilSettled("r1");
    assertThat(h.prefect.state("r1")).isEqualTo("Failed");
    assertThat(h.prefect.message("r1"))
        .startsWith("Task " + arn + " ran 1 h")
        .endsWith(", longer than its maximum runtime of 1 h; the agent stopped it");
    assertThat(h.prefect.logs("r1", "ERROR"))
        .singleElement()
        .asString()
        .contains(
            "maximum runtime of 1 h", "ECS console: https://us-east-1.console.aws.amazon.com");
    assertThat(h.notices).singleElement().satisfies(n -> assertThat(n.cause()).contains("1 h"));
    CounterSnapshot failed =
        (CounterSnapshot)
            h.metrics.registry().scrape(n -> n.startsWith("prefect_ecs_agent_runs_failed")).get(0);
    assertThat(
            failed.getDataPoints().stream()
                .filter(d -> d.getLabels().equals(Labels.of("cause", "max_runtime")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum())
        .isEqualTo(1);
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isTrue());
  }

  @Test
  void aTaskWithoutALimitRunsOn() {
    h.launch("r1");
    h.prefect.set("r1", "Running");
    h.tick();

    runFor(Duration.ofHours(3));

    assertThat(h.ecs.stopped).isEmpty();
  }

  @Test
  void aRunThatFinishesAfterTheStopKeepsItsOwnState() {
    String arn = launchWithLimit("r1", Duration.ofMinutes(10));
    h.ecs.stopsStayRunning = true;
    h.tick();
    runFor(Duration.ofMinutes(11));
    assertThat(h.ecs.stopped).containsExactly(arn);

    // The flow process got SIGTERM and wrote its own final state before exiting.
    h.prefect.set("r1", "Success");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "UserInitiated", "stopped", 143, null));
    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Success");
    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.prefect.logs("r1", "INFO")).anyMatch(m -> m.startsWith(CostLine.PREFIX));
  }
}
