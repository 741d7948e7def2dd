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
    assertThat(registry.tryReserve("a")).isTrue();
    assertThat(registry.tryReserve("a")).isFalse();
    registry.release("a");
    assertThat(registry.tryReserve("a")).isTrue();
  }

  @Test
  void launchedRunsKeepTheirTaskAndOnlyOldOnesAreEvicted() {
    registry.tryReserve("old");
    registry.markLaunched("old", "arn:old");
    clock.advance(Duration.ofHours(25));
    registry.tryReserve("new");
    registry.markLaunched("new", "arn:new");
    registry.tryReserve("claiming");

    assertThat(registry.evictLaunchedOlderThan(Duration.ofHours(24))).isEqualTo(1);
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
