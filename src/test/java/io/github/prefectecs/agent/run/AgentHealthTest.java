package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AgentHealthTest {
  private Instant now = Instant.parse("2026-11-24T12:00:00Z");
  private final Clock clock =
      new Clock() {
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
      };

  @Test
  void aHealthyVerdictTurnsUnhealthyWhenNoPollFinishesWithinTheBound() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    health.pollSucceeded();
    now = now.plusSeconds(179);
    assertThat(health.status().healthy()).isTrue();

    now = now.plusSeconds(2);

    assertThat(health.status().healthy()).isFalse();
    assertThat(health.status().reason())
        .isEqualTo("no poll has finished for 181 s; the poll loop is stuck");
  }

  @Test
  void aPollThatFinishesAgainMakesItHealthyAgain() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    health.pollSucceeded();
    now = now.plusSeconds(600);
    health.pollSucceeded();

    assertThat(health.status().healthy()).isTrue();
  }

  @Test
  void aWatchedLoopWhoseProgressStopsMakesTheAgentUnhealthyAndItsRecoveryHealthyAgain() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    Instant[] sweep = {now};
    health.watchProgress("log forwarding", () -> sweep[0], Duration.ofMinutes(5));
    health.pollSucceeded();
    now = now.plusSeconds(120);
    health.pollSucceeded();
    assertThat(health.status().healthy()).isTrue();

    now = now.plusSeconds(181);
    health.pollSucceeded();

    assertThat(health.status().healthy()).isFalse();
    assertThat(health.status().reason())
        .isEqualTo("log forwarding: nothing finished for 301 s; it is stuck");
    sweep[0] = now;
    assertThat(health.status().healthy()).isTrue();
  }
}
