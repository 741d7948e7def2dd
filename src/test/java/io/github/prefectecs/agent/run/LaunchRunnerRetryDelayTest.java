package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class LaunchRunnerRetryDelayTest {
  private static final LaunchResult.Retryable THROTTLED =
      new LaunchResult.Retryable("Rate exceeded", Duration.ofSeconds(15), true);

  @RepeatedTest(20)
  void aFirstThrottleIsRetriedWithinTwoSecondsNotAfterTheFullWait() {
    Duration delay = LaunchRunner.retryDelay(THROTTLED, 0);
    assertThat(delay).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @RepeatedTest(20)
  void repeatedThrottlingBacksOffUpToTheLaunchersSuggestedWait() {
    assertThat(LaunchRunner.retryDelay(THROTTLED, 1))
        .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(LaunchRunner.retryDelay(THROTTLED, 2))
        .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
    assertThat(LaunchRunner.retryDelay(THROTTLED, 10))
        .isBetween(Duration.ofMillis(7_500), Duration.ofSeconds(15));
  }

  @Test
  void otherTransientFailuresWaitWhatTheLauncherSuggests() {
    LaunchResult.Retryable capacity =
        new LaunchResult.Retryable("capacity unavailable", Duration.ofSeconds(15));
    assertThat(LaunchRunner.retryDelay(capacity, 0)).isEqualTo(Duration.ofSeconds(15));
    assertThat(LaunchRunner.retryDelay(capacity, 4)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void aSuggestedWaitShorterThanTheBaseIsNeverExceeded() {
    LaunchResult.Retryable quick =
        new LaunchResult.Retryable("Rate exceeded", Duration.ofMillis(20), true);
    assertThat(LaunchRunner.retryDelay(quick, 0))
        .isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
    assertThat(LaunchRunner.retryDelay(quick, 7))
        .isBetween(Duration.ofMillis(10), Duration.ofMillis(20));
  }
}
