package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdaptiveRateTest {
  private static final long MS = 1_000_000L;
  private static final AdaptiveRate.Tuning TUNING =
      new AdaptiveRate.Tuning(0.1, 0.7, 0.1, 0.05, Duration.ofMillis(250));

  private double random = 0;

  private AdaptiveRate rate(double ceiling) {
    return new AdaptiveRate(ceiling, TUNING, () -> random);
  }

  /** Two throttles 10 ms apart: a confirmed overshoot. */
  private static boolean overshoot(AdaptiveRate rate, long at) {
    rate.throttled(at);
    return rate.throttled(at + 10 * MS);
  }

  @Test
  void startsAtTheCeilingAndStaysThereWithoutThrottling() {
    AdaptiveRate rate = rate(20);
    assertThat(rate.rate(0)).isEqualTo(20);
    assertThat(rate.rate(3_600_000 * MS)).isEqualTo(20);
  }

  @Test
  void aLoneThrottledCallIsTolerated() {
    AdaptiveRate rate = rate(20);
    assertThat(rate.throttled(0)).isFalse();
    assertThat(rate.throttled(1500 * MS)).as("more than 1 s later: lone again").isFalse();
    assertThat(rate.rate(1500 * MS)).isEqualTo(20);
    assertThat(rate.decreases()).isZero();
  }

  @Test
  void oneCallReportedTwiceCountsOnce() {
    AdaptiveRate rate = rate(20);
    assertThat(rate.throttled(0)).isFalse();
    assertThat(rate.throttled(1 * MS)).as("interceptor and caller report the same call").isFalse();
    assertThat(rate.throttled(50 * MS)).isTrue();
  }

  @Test
  void aConfirmedOvershootLowersTheRateOnceWithinTheHold() {
    AdaptiveRate rate = rate(20);
    assertThat(overshoot(rate, 0)).isTrue();
    assertThat(rate.rate(10 * MS)).isCloseTo(14, within(1e-9));

    // Calls in flight when the rate dropped come back throttled too: the same overshoot.
    assertThat(overshoot(rate, 100 * MS)).isFalse();
    assertThat(rate.rate(200 * MS)).isCloseTo(14, within(1e-9));

    assertThat(overshoot(rate, 300 * MS)).isTrue();
    assertThat(rate.decreases()).isEqualTo(2);
  }

  @ParameterizedTest(name = "random {0}: factor {1}")
  @CsvSource({"0.0, 0.7", "0.5, 0.65", "0.999999, 0.6"})
  void jitterDrawsTheFactorBetweenDecreaseMinusJitterAndDecrease(double draw, double factor) {
    random = draw;
    AdaptiveRate rate = rate(10);
    overshoot(rate, 0);
    assertThat(rate.rate(10 * MS)).isCloseTo(10 * factor, within(1e-4));
  }

  @Test
  void holdIsStretchedByJitterSoAgentsDoNotMoveInLockstep() {
    random = 0.999999;
    AdaptiveRate rate = rate(10);
    overshoot(rate, 0);
    // hold 250 ms × (1 + 0.5 × random) from the decrease at 10 ms: still held at 370 ms.
    assertThat(overshoot(rate, 360 * MS)).isFalse();
    assertThat(overshoot(rate, 390 * MS)).isTrue();
  }

  @Test
  void rateClimbsBackLinearlyToTheCeilingAfterTheHold() {
    AdaptiveRate rate = rate(20);
    overshoot(rate, 0); // 14 at 10 ms, held until 260 ms
    assertThat(rate.rate(260 * MS)).isCloseTo(14, within(1e-9));
    assertThat(rate.rate(2260 * MS)).isCloseTo(16, within(1e-9)); // +1/s (5 % of 20)
    assertThat(rate.rate(5260 * MS)).isCloseTo(19, within(1e-9));
    assertThat(rate.rate(6260 * MS)).isEqualTo(20);
    assertThat(rate.rate(60_000 * MS)).isEqualTo(20);
  }

  @Test
  void neverFallsBelowTheFloor() {
    AdaptiveRate rate = rate(20);
    for (int i = 0; i < 20; i++) {
      assertThat(overshoot(rate, i * 300 * MS)).isTrue();
    }
    assertThat(rate.rate(5710 * MS)).isEqualTo(2); // 10 % of the ceiling, still held
  }

  @Test
  void scaledTuningShortensTheHoldAndSpeedsTheClimb() {
    assertThat(TUNING.scaled(10).hold()).isEqualTo(Duration.ofMillis(25));
    assertThat(TUNING.scaled(10).growth()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void badTuningIsRejectedWithTheValue() {
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0, 0.7, 0.1, 0.05, Duration.ZERO))
        .hasMessageContaining("floorFraction must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 1, 0.1, 0.05, Duration.ZERO))
        .hasMessageContaining("decreaseFactor");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.6, 0.05, Duration.ZERO))
        .hasMessageContaining("jitter");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.1, 0, Duration.ZERO))
        .hasMessageContaining("growth must be above 0");
    assertThatThrownBy(() -> new AdaptiveRate(0, TUNING, () -> 0))
        .hasMessageContaining("ceiling must be above 0, was 0.0");
  }
}
