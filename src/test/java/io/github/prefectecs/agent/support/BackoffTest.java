package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));

  @ParameterizedTest(name = "attempt {0} -> ceiling {1} ms")
  @CsvSource({"0,250", "1,500", "2,1000", "3,2000", "5,8000", "6,10000", "60,10000"})
  void ceilingDoublesUpToTheCap(int attempt, long millis) {
    assertThat(backoff.ceiling(attempt)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "random {1} at attempt {0} -> {2} ms")
  @CsvSource({"0,0.0,0", "0,0.999999,250", "3,0.5,1000", "9,0.999999,10000"})
  void delayIsFullJitterUnderTheCeiling(int attempt, double random, long millis) {
    assertThat(backoff.delay(attempt, () -> random)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void randomDelaysStayWithinTheCeiling() {
    for (int i = 0; i < 1000; i++) {
      assertThat(backoff.delay(2)).isBetween(Duration.ZERO, Duration.ofMillis(1000));
    }
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("base must be positive");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("cap must be at least");
    assertThatThrownBy(() -> backoff.ceiling(-1)).hasMessageContaining("attempt");
  }
}
