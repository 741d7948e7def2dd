package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reaper's decisions: a task of this agent that goes on running after its run finished or was
 * deleted is stopped once the grace is over (or only reported with a grace of zero), with a run log
 * and a metric naming why; never a task of another agent, never one whose run is live, never on a
 * failed read.
 */
@Timeout(60)
class OrphanReaperTest {
  private static final Duration GRACE = Duration.ofMinutes(5);
  private WatchHarness h = new WatchHarness();

  @AfterEach
  void close() {
    h.close();
  }

  /** Ticks every 15 s (the long runners' cadence) for {@code d}. */
  private void runFor(Duration d) {
    for (long s = 0; s < d.toSeconds(); s += 15) {
      h.clock.advance(Duration.ofSeconds(15));
      h.tick();
    }
  }

  private double orphans(String reason, String action) {
    CounterSnapshot snapshot =
        (CounterSnapshot)
            h.metrics.registry().scrape(n -> n.startsWith("prefect_ecs_agent_orphan_tasks")).get(0);
    return snapshot.getDataPoints().stream()
        .filter(d -> d.getLabels().equals(Labels.of("action", action, "reason", reason)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  private List<String> warnings(String runId) {
    return h.prefect.logs(runId, "WARNING");
  }

  @Test
  void aTaskStillRunningAfterItsRunEndedSuccessIsStoppedOnceTheGraceIsOver() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Success");
    h.tick();

    runFor(GRACE.minusSeconds(30));
    assertThat(h.ecs.stopped).as("within the grace").isEmpty();

    runFor(Duration.ofSeconds(45));
    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.ecs.stopReasons).singleElement().asString().contains("r1", "orphaned");
    assertThat(warnings("r1"))
        .singleElement()
        .asString()
        .contains(
            arn, "was still running 5 min", "after its flow run ended Success", "ECS console:");
    assertThat(orphans("run_finished", "stopped")).isEqualTo(1);

    h.tickUntilSettled("r1");
    assertThat(h.prefect.state("r1")).isEqualTo("Success");
    assertThat(h.prefect.writes).isEmpty();
    assertThat(h.stops).singleElement().satisfies(s -> assertThat(s.abnormal()).isFalse());
  }

  @Test
  void aTaskWhoseRunWasDeletedIsStoppedWithoutARunLog() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.runs.remove("r1");

    runFor(GRACE.plusSeconds(15));

    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(h.prefect.logs).noneMatch(l -> l.message().contains("orphan"));
    assertThat(orphans("run_deleted", "stopped")).isEqualTo(1);
    h.tickUntilSettled("r1");
    assertThat(h.prefect.writes).isEmpty();
  }

  @Test
  void aFailedStatusReadIsNotADeletion() {
    h.launch("r1");
    h.tick();
    h.prefect.down = true;

    runFor(GRACE.multipliedBy(2));

    assertThat(h.ecs.stopped).isEmpty();
  }

  @Test
  void withAGraceOfZeroTheTaskIsOnlyReportedOnce() {
    h.close();
    h = new WatchHarness(Duration.ofMinutes(10), 3, Duration.ZERO, SpotBreakerSettings.defaults());
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Cancelled");

    runFor(Duration.ofMinutes(20));

    assertThat(h.ecs.stopped).isEmpty();
    assertThat(warnings("r1"))
        .singleElement()
        .asString()
        .contains(arn, "still runs although its flow run ended Cancelled", "only reports it");
    assertThat(orphans("run_finished", "reported")).isEqualTo(1);
  }

  @Test
  void aTaskOfAnotherAgentIsNeverStopped() {
    String arn = h.launch("r1");
    h.ecs.put(
        FakeEcsTasks.task(
            arn,
            new ObservedTask.Tags("r1", "another-agent", WatchHarness.attemptOf("r1"), null, null),
            "RUNNING"));
    h.tick();
    h.prefect.set("r1", "Failed");

    runFor(GRACE.multipliedBy(3));

    assertThat(h.ecs.stopped).isEmpty();
    assertThat(orphans("run_finished", "stopped")).isZero();
  }

  @Test
  void aTaskWhoseRunIsLiveIsNeverStoppedHoweverLongItRuns() {
    h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Running");

    runFor(Duration.ofHours(1));

    assertThat(h.ecs.stopped).isEmpty();
  }

  @Test
  void aTaskOfAnOlderAttemptIsStoppedAtOnceAndCountedWithTheOrphans() {
    String arn = h.launch("r1");
    h.tick();
    h.prefect.set("r1", "Scheduled"); // Lazarus or the UI queued the run again

    runFor(Duration.ofSeconds(15));

    assertThat(h.ecs.stopped).containsExactly(arn);
    assertThat(orphans("older_attempt", "stopped")).isEqualTo(1);
  }
}
