package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AimdRateTest {
  private static final long SECOND = 1_000_000_000L;
  private static final AimdRate.Tuning TUNING =
      new AimdRate.Tuning(0.1, 0.7, 0.1, 0.05, Duration.ofSeconds(1));

  private double random = 0;

  private AimdRate rate(double ceiling) {
    return new AimdRate(ceiling, TUNING, () -> random, 0);
  }

  @Test
  void startsAtTheCeilingAndStaysThereWithoutThrottling() {
    AimdRate rate = rate(20);
    assertThat(rate.rate(0)).isEqualTo(20);
    assertThat(rate.rate(60 * SECOND)).isEqualTo(20);
  }

  @Test
  void throttlingLowersTheRateByTheFactorAndOnlyOncePerHold() {
    AimdRate rate = rate(20);
    assertThat(rate.throttled(SECOND)).isTrue();
    assertThat(rate.rate(SECOND)).isCloseTo(14, within(1e-9));

    // The other calls throttled by the same overshoot arrive within the hold and count once.
    assertThat(rate.throttled(SECOND + SECOND / 2)).isFalse();
    assertThat(rate.rate(SECOND + SECOND / 2)).isCloseTo(14, within(1e-9));

    assertThat(rate.throttled(SECOND + 2 * SECOND)).isTrue();
    assertThat(rate.rate(3 * SECOND))
        .isCloseTo((14 + 1) * 0.7, within(1e-9)); // +1/s for the second after the hold
    assertThat(rate.decreases()).isEqualTo(2);
  }

  @ParameterizedTest(name = "random {0}: factor {1}")
  @CsvSource({"0.0, 0.7", "0.5, 0.65", "0.999999, 0.6"})
  void jitterDrawsTheFactorBetweenDecreaseMinusJitterAndDecrease(double draw, double factor) {
    random = draw;
    AimdRate rate = rate(10);
    rate.throttled(0);
    assertThat(rate.rate(0)).isCloseTo(10 * factor, within(1e-4));
  }

  @Test
  void holdIsStretchedByJitterSoAgentsDoNotMoveInLockstep() {
    random = 0.999999;
    AimdRate rate = rate(10);
    rate.throttled(0);
    // hold 1 s × (1 + 0.5 × random): still held at 1.4 s.
    assertThat(rate.throttled(1400 * SECOND / 1000)).isFalse();
    assertThat(rate.throttled(1500 * SECOND / 1000)).isTrue();
  }

  @Test
  void rateClimbsBackAdditivelyToTheCeilingAfterTheHold() {
    AimdRate rate = rate(20);
    rate.throttled(0); // 14
    assertThat(rate.rate(SECOND)).isCloseTo(14, within(1e-9)); // held
    assertThat(rate.rate(3 * SECOND)).isCloseTo(16, within(1e-9)); // +1/s after the hold
    assertThat(rate.rate(6 * SECOND)).isCloseTo(19, within(1e-9));
    assertThat(rate.rate(60 * SECOND)).isEqualTo(20);
  }

  @Test
  void neverFallsBelowTheFloor() {
    AimdRate rate = rate(20);
    for (int i = 0; i <= 20; i++) {
      assertThat(rate.throttled(i * SECOND)).isTrue(); // each hold (1 s) has just ended
    }
    assertThat(rate.rate(20 * SECOND)).isEqualTo(2); // 10 % of the ceiling
  }

  @Test
  void scaledTuningShortensTheHold() {
    assertThat(TUNING.scaled(10).hold()).isEqualTo(Duration.ofMillis(100));
    assertThat(TUNING.scaled(10).increasePerSecond()).isEqualTo(0.05);
  }

  @Test
  void badTuningIsRejectedWithTheValue() {
    assertThatThrownBy(() -> new AimdRate.Tuning(0, 0.7, 0.1, 0.05, Duration.ZERO))
        .hasMessageContaining("floorFraction must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> new AimdRate.Tuning(0.1, 1, 0.1, 0.05, Duration.ZERO))
        .hasMessageContaining("decreaseFactor");
    assertThatThrownBy(() -> new AimdRate.Tuning(0.1, 0.5, 0.6, 0.05, Duration.ZERO))
        .hasMessageContaining("jitter");
    assertThatThrownBy(() -> new AimdRate(0, TUNING, () -> 0, 0))
        .hasMessageContaining("ceiling must be above 0, was 0.0");
  }
}
