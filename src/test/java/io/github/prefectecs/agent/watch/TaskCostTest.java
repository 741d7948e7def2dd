package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.prefectecs.agent.cost.CostLine;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every stopped task's cost, from ECS's size, capacity and timestamps (the watcher's observations
 * only where ECS gives none): one INFO run log and the cost series; a Spot interruption's cost is
 * counted on its run too.
 */
@Timeout(60)
class TaskCostTest {
  private final WatchHarness h = new WatchHarness();

  @AfterEach
  void close() {
    h.close();
  }

  private List<String> costLines(String runId) {
    return h.prefect.logs(runId, "INFO").stream()
        .filter(m -> m.startsWith(CostLine.PREFIX))
        .toList();
  }

  private double series(String name) {
    String base = name.substring(0, name.length() - "_total".length());
    CounterSnapshot s = (CounterSnapshot) h.metrics.registry().scrape(n -> n.equals(base)).get(0);
    return s.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(Labels.of("capacity_provider", "FARGATE_SPOT")))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  void aFinishedRunGetsItsTasksCostFromEcsTimesAndTheSeriesCountIt() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Success");
    // 1 vCPU, 2 GiB on FARGATE_SPOT from 00:00 to 00:05 (ECS's pullStartedAt and stoppedAt)
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 0, null));

    h.tickUntilSettled("r1");

    // 300 s * (0.01264355 + 2 * 0.00138835) / 3600 = 0.00128502; on FARGATE 300 * 0.04937 / 3600
    assertThat(costLines("r1"))
        .singleElement()
        .asString()
        .startsWith(
            "Cost estimate: ran 5 min on FARGATE_SPOT, 1 vCPU, 2 GiB: ≈ $0.0013 (on FARGATE ≈"
                + " $0.0041, Spot saved 69 %). An estimate from the Fargate list prices of us-east-1")
        .doesNotContain("observations");
    assertThat(series("prefect_ecs_agent_task_vcpu_seconds_total")).isEqualTo(300);
    assertThat(series("prefect_ecs_agent_task_memory_gib_seconds_total")).isEqualTo(600);
    assertThat(series("prefect_ecs_agent_task_cost_usd_total")).isCloseTo(0.00128502, within(1e-7));
    assertThat(series("prefect_ecs_agent_spot_savings_usd_total"))
        .isCloseTo(300 * 0.04937 / 3600 - 0.00128502, within(1e-7));
  }

  @Test
  void withoutEcsTimesTheWatchersObservationsAreUsedAndSaidSo() {
    String arn = h.launch("r1");
    h.ecs.put(
        new ObservedTask(
            arn,
            new ObservedTask.Tags("r1", "agent", WatchHarness.attemptOf("r1"), null, null),
            null,
            "RUNNING",
            "RUNNING",
            null,
            null,
            ObservedTask.Times.none(),
            FakeEcsTasks.SPOT_1_VCPU_2_GIB,
            List.of(new ObservedTask.Container("flow", null, null))));
    h.tick(); // first seen RUNNING at 00:00
    h.prefect.set("r1", "Success");
    h.clock.advance(Duration.ofSeconds(90));
    h.ecs.put(
        new ObservedTask(
            arn,
            new ObservedTask.Tags("r1", "agent", WatchHarness.attemptOf("r1"), null, null),
            null,
            "STOPPED",
            "STOPPED",
            null,
            "Essential container in task exited",
            ObservedTask.Times.none(),
            FakeEcsTasks.SPOT_1_VCPU_2_GIB,
            List.of(new ObservedTask.Container("flow", 0, null))));

    h.tickUntilSettled("r1");

    assertThat(costLines("r1"))
        .singleElement()
        .asString()
        .startsWith("Cost estimate: ran ≈ 1 min 35 s on FARGATE_SPOT")
        .endsWith("(times from the agent's observations: ECS gave no start or stop time).");
  }

  @Test
  void aSpotInterruptionsCostIsCountedOnItsRun() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Running");
    h.ecs.put(
        FakeEcsTasks.stoppedTask(
            arn, "r1", "SpotInterruption", "Your Spot Task was interrupted.", 143, null));
    h.clock.set(Instant.parse("2026-01-01T00:05:00Z"));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.state("r1")).isEqualTo("Scheduled");
    assertThat(costLines("r1")).singleElement().asString().contains("5 min on FARGATE_SPOT");
    assertThat(h.prefect.logs("r1", "WARNING"))
        .singleElement()
        .asString()
        .contains("relaunching on FARGATE", "ECS console: https://");
  }

  @Test
  void aDeletedRunsTaskIsCountedButWritesNoRunLog() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.runs.remove("r1");
    h.ecs.put(FakeEcsTasks.stoppedTask(arn, "r1", "EssentialContainerExited", null, 0, null));

    h.tickUntilSettled("r1");

    assertThat(h.prefect.logs).isEmpty();
    assertThat(series("prefect_ecs_agent_task_vcpu_seconds_total")).isEqualTo(300);
  }
}
