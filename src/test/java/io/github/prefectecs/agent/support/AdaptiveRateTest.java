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
  private static final AdaptiveRate.Tuning TUNING = AdaptiveRate.Tuning.defaults();

  private double random = 0;

  private AdaptiveRate rate(double ceiling) {
    return new AdaptiveRate(ceiling, TUNING, () -> random);
  }

  /** A rate in use since 0, past its slow start. */
  private AdaptiveRate running(double ceiling) {
    AdaptiveRate rate = rate(ceiling);
    rate.inUse(0);
    return rate;
  }

  @Test
  void slowStartsFromHalfTheCeilingAndDoublesToItWithinASecondOfFirstUse() {
    AdaptiveRate rate = rate(20);
    assertThat(rate.rate(0)).isEqualTo(10);
    assertThat(rate.rate(3_600_000 * MS)).as("unused: still at the start").isEqualTo(10);
    rate.inUse(3_600_000 * MS);
    assertThat(rate.rate(3_600_500 * MS)).isCloseTo(10 * Math.sqrt(2), within(1e-6));
    assertThat(rate.rate(3_601_000 * MS)).isEqualTo(20);
    assertThat(rate.rate(7_200_000 * MS)).isEqualTo(20);
  }

  @Test
  void slowStartsAgainAfterTenIdleSecondsFromNoMoreThanTheRateBeforeThem() {
    AdaptiveRate rate = running(20);
    rate.inUse(2000 * MS);
    rate.throttled(2000 * MS); // 14
    rate.inUse(2100 * MS);
    rate.inUse(12_000 * MS); // 9.9 s idle: not yet
    assertThat(rate.rate(12_000 * MS)).isGreaterThan(14);

    rate.inUse(22_001 * MS); // 10.001 s idle: slow start from min(10, the rate at 12 s)
    assertThat(rate.rate(22_001 * MS)).isEqualTo(10);
    assertThat(rate.rate(23_001 * MS)).isEqualTo(20);

    AdaptiveRate low = running(20);
    low.inUse(2000 * MS);
    low.throttled(2000 * MS);
    low.throttled(2300 * MS);
    low.throttled(2600 * MS); // 20 -> 14 -> 9.8 -> 6.86, held until 2850 ms
    low.inUse(2600 * MS);
    low.inUse(12_601 * MS);
    assertThat(low.rate(12_601 * MS)).isCloseTo(6.86, within(0.5));
    assertThat(low.rate(13_601 * MS)).isCloseTo(2 * low.rate(12_601 * MS), within(1e-6));
  }

  @Test
  void theFirstThrottledCallLowersTheRate() {
    AdaptiveRate rate = running(20);
    assertThat(rate.throttled(2000 * MS)).isTrue();
    assertThat(rate.rate(2000 * MS)).isCloseTo(14, within(1e-9));
    assertThat(rate.decreases()).isEqualTo(1);
  }

  @Test
  void throttlingWithinTheHoldIsTheSameOvershootAndLowersNothingMore() {
    AdaptiveRate rate = running(20);
    rate.throttled(2000 * MS);
    // Calls in flight when the rate dropped, and the same call reported by the SDK interceptor
    // and by its caller, come back within the hold.
    assertThat(rate.throttled(2001 * MS)).isFalse();
    assertThat(rate.throttled(2200 * MS)).isFalse();
    assertThat(rate.rate(2240 * MS)).isCloseTo(14, within(1e-9));

    assertThat(rate.throttled(2250 * MS)).isTrue();
    assertThat(rate.rate(2250 * MS)).isCloseTo(9.8, within(1e-9));
    assertThat(rate.decreases()).isEqualTo(2);
  }

  @ParameterizedTest(name = "random {0}: factor {1}")
  @CsvSource({"0.0, 0.7", "0.5, 0.65", "0.999999, 0.6"})
  void jitterDrawsTheFactorBetweenDecreaseMinusJitterAndDecrease(double draw, double factor) {
    random = draw;
    AdaptiveRate rate = running(10);
    rate.throttled(2000 * MS);
    assertThat(rate.rate(2000 * MS)).isCloseTo(10 * factor, within(1e-4));
  }

  @Test
  void holdIsStretchedByJitterSoAgentsDoNotMoveInLockstep() {
    random = 0.999999;
    AdaptiveRate rate = running(10);
    rate.throttled(2000 * MS);
    // hold 250 ms × (1 + 0.5 × random): still held at 2370 ms.
    assertThat(rate.throttled(2370 * MS)).isFalse();
    assertThat(rate.throttled(2380 * MS)).isTrue();
  }

  @Test
  void climbsFastTowardsTheThrottledRateThenLevelsOffJustBelowItThenProbesAbove() {
    AdaptiveRate rate = running(20);
    rate.throttled(2000 * MS); // 20 -> 14, plateau 19 (95 %), held until 2250 ms
    double k = Math.cbrt(5 / (20 * 0.0004)); // 8.55 s from 14 to the plateau
    long climb = 2250 * MS;
    assertThat(rate.rate(climb)).isCloseTo(14, within(1e-9));
    assertThat(rate.rate(climb + 2000 * MS)).as("concave: fast at first").isBetween(16.5, 17.0);
    assertThat(rate.rate(climb + (long) (k / 2 * 1e9))).isCloseTo(19 - 5 / 8.0, within(1e-6));
    assertThat(rate.rate(climb + (long) (k * 1e9))).isCloseTo(19, within(1e-6));
    assertThat(rate.rate(climb + (long) ((k + 2) * 1e9)))
        .as("flat around the plateau")
        .isCloseTo(19.064, within(1e-3));
    assertThat(rate.rate(climb + (long) ((k + 5.1) * 1e9))).isEqualTo(20);
    assertThat(rate.rate(3_600_000 * MS)).isEqualTo(20);
  }

  @Test
  void aLoneCallerThrottledOnceIsBackAbove90PercentWithinFourSeconds() {
    AdaptiveRate rate = running(20);
    rate.throttled(2000 * MS);
    assertThat(rate.rate(6250 * MS)).isGreaterThan(18);
  }

  @Test
  void aLoweredRateIsLoweredFurtherFromWhereItIs() {
    AdaptiveRate rate = running(20);
    rate.throttled(2000 * MS); // 14
    double k = Math.cbrt(5 / (20 * 0.0004));
    double at = 19 - 20 * 0.0004 * Math.pow(k - 0.75, 3); // 750 ms into the climb: about 15.2
    assertThat(rate.rate(3000 * MS)).isCloseTo(at, within(1e-6));
    rate.throttled(3000 * MS);
    assertThat(rate.rate(3000 * MS)).isCloseTo(0.7 * at, within(1e-6));
  }

  @Test
  void neverFallsBelowTheFloor() {
    AdaptiveRate rate = running(20);
    for (int i = 0; i < 20; i++) {
      assertThat(rate.throttled(2000 * MS + i * 300 * MS)).isTrue();
    }
    assertThat(rate.rate(7710 * MS)).isCloseTo(2, within(1e-9)); // 10 % of the ceiling, held
  }

  @Test
  void scaledTuningShortensTheHoldAndSteepensTheClimb() {
    assertThat(TUNING.scaled(10).hold()).isEqualTo(Duration.ofMillis(25));
    assertThat(TUNING.scaled(10).cubic()).isCloseTo(0.4, within(1e-12));
  }

  @Test
  void badTuningIsRejectedWithTheValue() {
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0, 0.7, 0.1, 0.1, 0.9, 1, Duration.ZERO))
        .hasMessageContaining("floorFraction must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 1, 0.1, 0.1, 0.9, 1, Duration.ZERO))
        .hasMessageContaining("decreaseFactor");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.6, 0.1, 0.9, 1, Duration.ZERO))
        .hasMessageContaining("jitter");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.1, 0, 0.9, 1, Duration.ZERO))
        .hasMessageContaining("cubic must be above 0");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.1, 0.1, 0.4, 1, Duration.ZERO))
        .hasMessageContaining("plateau must be in (decreaseFactor, 1], was 0.4");
    assertThatThrownBy(() -> new AdaptiveRate.Tuning(0.1, 0.5, 0.1, 0.1, 0.9, 0, Duration.ZERO))
        .hasMessageContaining("start must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> new AdaptiveRate(0, TUNING, () -> 0))
        .hasMessageContaining("ceiling must be above 0, was 0.0");
  }
}
