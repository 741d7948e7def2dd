package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.testsupport.ManualClock;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Spot circuit breaker: opens at its threshold within its window, closes after its cool-down.
 */
@Timeout(60)
class SpotBreakerTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private final ManualClock clock = new ManualClock(T0);
  private final AgentMetrics metrics = AgentMetrics.create();
  private final List<String> announced = new CopyOnWriteArrayList<>();

  private SpotBreaker breaker(int threshold) {
    SpotBreaker b =
        new SpotBreaker(
            new SpotBreakerSettings(threshold, Duration.ofMinutes(10), Duration.ofMinutes(30)),
            metrics,
            clock);
    b.useNotices(
        new Notices() {
          @Override
          public void post(Notice notice) {}

          @Override
          public void announce(String message) {
            announced.add(message);
          }
        });
    return b;
  }

  private double openGauge() {
    return ((GaugeSnapshot)
            metrics.registry().scrape(n -> n.equals("prefect_ecs_agent_spot_breaker_open")).get(0))
        .getDataPoints()
        .get(0)
        .getValue();
  }

  @Test
  void thresholdInterruptionsWithinTheWindowOpenItForTheCoolDownThenItCloses() {
    SpotBreaker b = breaker(3);
    b.spotInterrupted(clock.instant(), "t1");
    clock.advance(Duration.ofMinutes(4));
    b.capacityFailure("r2");
    assertThat(b.open()).isFalse();

    clock.advance(Duration.ofMinutes(4));
    b.spotInterrupted(clock.instant(), "t3");

    assertThat(b.open()).isTrue();
    assertThat(b.openUntil()).contains(T0.plus(Duration.ofMinutes(38)));
    assertThat(openGauge()).isEqualTo(1);
    assertThat(announced)
        .singleElement()
        .asString()
        .contains("circuit breaker open", "3 Spot interruptions or capacity failures within 10 min")
        .contains("until 2026-03-01T12:38:00");

    clock.advance(Duration.ofMinutes(29));
    assertThat(b.open()).isTrue();
    clock.advance(Duration.ofMinutes(1));
    assertThat(b.open()).isFalse();
    assertThat(openGauge()).isZero();
    assertThat(announced).hasSize(2);
    assertThat(announced.get(1)).contains("closed after its 30 min cool-down");
  }

  @Test
  void eventsOlderThanTheWindowDoNotCount() {
    SpotBreaker b = breaker(3);
    b.spotInterrupted(clock.instant(), "t1");
    b.spotInterrupted(clock.instant(), "t2");
    clock.advance(Duration.ofMinutes(11));
    b.spotInterrupted(clock.instant(), "t3");
    // a stop found at start-up, long ago
    b.spotInterrupted(T0.minus(Duration.ofHours(1)), "t0");

    assertThat(b.open()).isFalse();
    assertThat(announced).isEmpty();
  }

  @Test
  void aThresholdOfZeroNeverOpens() {
    SpotBreaker b = breaker(0);
    for (int i = 0; i < 50; i++) {
      b.capacityFailure("r" + i);
    }

    assertThat(b.open()).isFalse();
  }

  @Test
  void theWatchersSpotInterruptionsOpenIt() {
    try (WatchHarness h =
        new WatchHarness(
            Duration.ofMinutes(10),
            3,
            Duration.ofMinutes(5),
            new SpotBreakerSettings(2, Duration.ofMinutes(10), Duration.ofMinutes(30)))) {
      for (String run : List.of("r1", "r2")) {
        String arn = h.launch(run);
        h.tick();
        h.prefect.set(run, "Running");
        h.ecs.put(
            FakeEcsTasks.stoppedTask(
                arn, run, "SpotInterruption", "Your Spot Task was interrupted.", 143, null));
      }
      h.clock.set(FakeEcsTasks.CREATED.plus(Duration.ofMinutes(5)));

      h.tickUntilSettled("r1");
      h.tickUntilSettled("r2");

      assertThat(h.breaker.open()).isTrue();
    }
  }
}
