package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunRegistryTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
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
  void aTaskIsReleasedOnlyWhileTheRunStillHasThatTask() {
    registry.tryReserve("run");
    registry.markLaunched("run", "arn:old");
    clock.advance(Duration.ofHours(25));
    registry.markAdopted("adopted", "arn:a");
    registry.tryReserve("claiming");

    assertThat(registry.tasks())
        .extracting(RunRegistry.Entry::taskArn)
        .containsExactlyInAnyOrder("arn:old", "arn:a");
    assertThat(registry.releaseTask("run", "arn:other")).isFalse();
    assertThat(registry.releaseTask("run", "arn:old")).isTrue();
    assertThat(registry.ids()).containsExactlyInAnyOrder("adopted", "claiming");

    registry.tryReserve("adopted"); // queued again: claimed anew, the old task no longer counts
    assertThat(registry.releaseTask("adopted", "arn:a")).isFalse();
    assertThat(registry.busyIds()).contains("adopted");
    assertThat(registry.count(RunRegistry.Phase.CLAIMING)).isEqualTo(2);
  }
}
