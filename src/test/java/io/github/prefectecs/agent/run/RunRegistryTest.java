package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RunRegistryTest {
  private final MutableClock clock = new MutableClock();
  private final RunRegistry registry = new RunRegistry(clock);

  @Test
  void aRunCanBeReservedOnlyOnceUntilReleased() {
    assertThat(registry.tryReserve("a")).isEqualTo(RunRegistry.Reservation.NEW);
    assertThat(registry.tryReserve("a")).isEqualTo(RunRegistry.Reservation.BUSY);
    registry.markLaunching("a");
    assertThat(registry.tryReserve("a")).isEqualTo(RunRegistry.Reservation.BUSY);
    registry.release("a");
    assertThat(registry.tryReserve("a")).isEqualTo(RunRegistry.Reservation.NEW);
  }

  @Test
  void aLaunchedOrAdoptedRunCanBeReservedAgainWhenTheServerQueuesItAgain() {
    registry.tryReserve("launched");
    registry.markLaunched("launched", "arn:1");
    registry.markAdopted("adopted", "arn:2");
    assertThat(registry.busyIds()).isEmpty();
    assertThat(registry.tryReserve("launched")).isEqualTo(RunRegistry.Reservation.RELAUNCH);
    assertThat(registry.tryReserve("adopted")).isEqualTo(RunRegistry.Reservation.AFTER_ADOPTION);
    assertThat(registry.busyIds()).containsExactlyInAnyOrder("launched", "adopted");
  }

  @Test
  void launchedRunsKeepTheirTaskAndOnlyOldOnesAreEvicted() {
    registry.tryReserve("old");
    registry.markLaunched("old", "arn:old");
    clock.advance(Duration.ofHours(25));
    registry.tryReserve("new");
    registry.markLaunched("new", "arn:new");
    registry.tryReserve("claiming");

    assertThat(registry.evictLaunchedOlderThan(Duration.ofHours(24))).containsExactly("old");
    assertThat(registry.ids()).containsExactlyInAnyOrder("new", "claiming");
    assertThat(registry.get("new"))
        .hasValueSatisfying(e -> assertThat(e.taskArn()).isEqualTo("arn:new"));
    assertThat(registry.count(RunRegistry.Phase.CLAIMING)).isEqualTo(1);
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
