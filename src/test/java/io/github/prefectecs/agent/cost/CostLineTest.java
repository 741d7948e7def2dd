package io.github.prefectecs.agent.cost;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.config.CostSettings.Architecture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CostLineTest {
  private final CostEstimator estimator = new CostEstimator(PriceTable.of(CostSettings.defaults()));

  @Test
  void aSpotRunSaysWhatItCostWhatFargateWouldHaveAndThatItIsAnEstimate() {
    String line =
        CostLine.of(
            estimator.estimate(
                CostEstimatorTest.usage(
                    "us-east-1",
                    "FARGATE_SPOT",
                    Architecture.X86_64,
                    1,
                    2,
                    Duration.ofSeconds(843))));

    assertThat(line)
        .isEqualTo(
            "Cost estimate: ran 14 min 3 s on FARGATE_SPOT, 1 vCPU, 2 GiB: ≈ $0.0036 (on FARGATE"
                + " ≈ $0.0116, Spot saved 69 %). An estimate from the Fargate list prices of"
                + " us-east-1 (as of 2021-01); it leaves out storage above 20 GiB, data transfer"
                + " and Savings Plans.");
  }

  @Test
  void aTaskShorterThanAMinuteSaysFargateBillsItAMinute() {
    String line =
        CostLine.of(
            estimator.estimate(
                CostEstimatorTest.usage(
                    "us-east-1",
                    "FARGATE_SPOT",
                    Architecture.X86_64,
                    0.25,
                    0.5,
                    Duration.ofSeconds(6))));

    assertThat(line)
        .startsWith(
            "Cost estimate: ran 6 s on FARGATE_SPOT, 0.25 vCPU, 0.5 GiB, billed as 1 min (Fargate's"
                + " minimum): ≈ $0.000064 (on FARGATE ≈ $0.00021, Spot saved 69 %). An estimate");
  }

  @Test
  void timesTheAgentObservedAreMarkedApproximate() {
    Usage u =
        new Usage(
            "us-east-1",
            "FARGATE",
            Architecture.X86_64,
            false,
            0.25,
            0.5,
            Duration.ofSeconds(65),
            "from the agent's observations: ECS gave no pull, start or stop time");

    assertThat(CostLine.of(estimator.estimate(u)))
        .startsWith("Cost estimate: ran ≈ 1 min 5 s on FARGATE, 0.25 vCPU, 0.5 GiB: ≈ $0.00022.")
        .endsWith("(times from the agent's observations: ECS gave no pull, start or stop time).");
  }

  @Test
  void anUnpricedRunStillSaysWhatItUsed() {
    String line =
        CostLine.of(
            estimator.estimate(
                CostEstimatorTest.usage(
                    "us-east-1",
                    "FARGATE_SPOT",
                    Architecture.ARM64,
                    1,
                    2,
                    Duration.ofSeconds(843))));

    assertThat(line)
        .startsWith(
            "Cost estimate: ran 14 min 3 s on FARGATE_SPOT (ARM64), 1 vCPU, 2 GiB (843 vCPU-s,"
                + " 1686 GiB-s); no dollar estimate: no FARGATE_SPOT ARM64 price for us-east-1");
  }

  @ParameterizedTest
  @CsvSource({
    "0.0115608083, $0.0116",
    "12.3456, $12.35",
    "0.0036, $0.0036",
    "0.000205708, $0.00021",
    "0.00001389, $0.000014",
    "0, $0.0000"
  })
  void dollarsAreShownWithTheirSignificantDigits(double value, String shown) {
    assertThat(CostLine.dollars(value)).isEqualTo(shown);
  }
}
