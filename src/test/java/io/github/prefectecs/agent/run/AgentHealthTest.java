package io.github.prefectecs.agent.run;

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
  void aSupervisionLoopThatStopsTickingMakesTheAgentUnhealthyNamingIt() {
    AgentHealth health = new AgentHealth(clock, Duration.ofMinutes(3));
    health.loopTicked("task supervision (the task watcher)", clock.instant());
    clock.advance(Duration.ofMinutes(2));
    health.pollSucceeded();
    assertThat(health.status().healthy()).isTrue();

    clock.advance(Duration.ofSeconds(61));

    assertThat(health.status().healthy()).isFalse();
    assertThat(health.status().reason())
        .isEqualTo(
            "task supervision (the task watcher) has not completed a round for 181 s; it is stuck");
    health.loopTicked("task supervision (the task watcher)", clock.instant());
    assertThat(health.status().healthy()).isTrue();
  }
}
