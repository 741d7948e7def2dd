package io.github.prefectecs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentHealthTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T12:00:00Z"));

  @Test
  void aHealthyVerdictTurnsUnhealthyWhenNoPollFinishesWithinTheBound() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    health.pollSucceeded();
    clock.advance(Duration.ofSeconds(179));
    assertThat(health.status().healthy()).isTrue();

    clock.advance(Duration.ofSeconds(2));

    assertThat(health.status().healthy()).isFalse();
    assertThat(health.status().reason())
        .isEqualTo("no poll has finished for 181 s; the poll loop is stuck");
  }

  @Test
  void aPollThatFinishesAgainMakesItHealthyAgain() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    health.pollSucceeded();
    clock.advance(Duration.ofSeconds(600));
    health.pollSucceeded();

    assertThat(health.status().healthy()).isTrue();
  }

  @Test
  void aWatchedLoopWhoseProgressStopsMakesTheAgentUnhealthyAndItsRecoveryHealthyAgain() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    Instant[] sweep = {clock.instant()};
    health.watchProgress("log forwarding", () -> sweep[0], Duration.ofMinutes(5));
    health.pollSucceeded();
    clock.advance(Duration.ofSeconds(120));
    health.pollSucceeded();
    assertThat(health.status().healthy()).isTrue();

    clock.advance(Duration.ofSeconds(181));
    health.pollSucceeded();

    assertThat(health.status().healthy()).isFalse();
    assertThat(health.status().reason())
        .isEqualTo("log forwarding: nothing finished for 301 s; it is stuck");
    sweep[0] = clock.instant();
    assertThat(health.status().healthy()).isTrue();
  }
}
