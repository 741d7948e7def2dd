package io.github.prefectecs.agent.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.config.CostSettings.Dimension;
import io.github.prefectecs.agent.config.CostSettings.PriceOverride;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The arithmetic against figures computed by hand from the bundled list prices: vCPU-seconds times
 * the vCPU-hour price plus GiB-seconds times the GB-hour price, over 3600.
 */
class CostEstimatorTest {
  private final CostEstimator bundled = new CostEstimator(PriceTable.of(CostSettings.defaults()));

  static Usage usage(
      String region, String placement, Architecture arch, double vcpu, double gib, Duration d) {
    return new Usage(region, placement, arch, true, vcpu, gib, d, null);
  }

  @ParameterizedTest(name = "{0} {1} {2}: {3} vCPU, {4} GiB, {5} s = ${6}")
  @CsvSource({
    // 843 s * (0.04048 + 2 * 0.004445) / 3600
    "us-east-1, FARGATE, X86_64, 1, 2, 843, 0.0115608083",
    // 843 s * (0.01264355 + 2 * 0.00138835) / 3600
    "us-east-1, FARGATE_SPOT, X86_64, 1, 2, 843, 0.0036109086",
    // 24 h of 0.25 vCPU and 0.5 GB in Ireland: 0.04048 * 0.25 * 24 + 0.004445 * 0.5 * 24
    "eu-west-1, FARGATE, X86_64, 0.25, 0.5, 86400, 0.29622",
    // one hour of 2 vCPU and 4 GB on Graviton: 2 * 0.03238 + 4 * 0.00356
    "us-east-1, FARGATE, ARM64, 2, 4, 3600, 0.079",
    // Frankfurt: 600 s * (0.04656 * 4 + 0.00511 * 8) / 3600
    "eu-central-1, FARGATE, X86_64, 4, 8, 600, 0.0378533333",
    // Tokyo Spot: 60 s * (0.01981009 * 0.5 + 0.00216673 * 1) / 3600
    "ap-northeast-1, FARGATE_SPOT, X86_64, 0.5, 1, 60, 0.0002011962",
  })
  void pricesATaskFromTheBundledTable(
      String region,
      String placement,
      Architecture arch,
      double vcpu,
      double gib,
      long seconds,
      double expected) {
    Estimate e =
        bundled.estimate(usage(region, placement, arch, vcpu, gib, Duration.ofSeconds(seconds)));

    assertThat(e).isInstanceOf(Estimate.Priced.class);
    assertThat(((Estimate.Priced) e).dollars()).isCloseTo(expected, within(1e-9));
  }

  @Test
  void aSpotTaskIsComparedWithFargateAndItsSavingsFollow() {
    Estimate.Priced e =
        (Estimate.Priced)
            bundled.estimate(
                usage(
                    "us-east-1",
                    "FARGATE_SPOT",
                    Architecture.X86_64,
                    1,
                    2,
                    Duration.ofSeconds(843)));

    assertThat(e.onDemandDollars()).isCloseTo(0.0115608083, within(1e-9));
    assertThat(e.spotSavings()).isCloseTo(0.0115608083 - 0.0036109086, within(1e-9));
    assertThat(e.rate().asOf()).isEqualTo("2021-01");
  }

  @Test
  void anOnDemandTaskHasNoSavings() {
    Estimate.Priced e =
        (Estimate.Priced)
            bundled.estimate(
                usage("us-east-1", "FARGATE", Architecture.X86_64, 1, 2, Duration.ofSeconds(843)));

    assertThat(e.onDemandDollars()).isNull();
    assertThat(e.spotSavings()).isZero();
  }

  @Test
  void billedSecondsAreRoundedUpAsFargateBills() {
    Usage u = usage("us-east-1", "FARGATE", Architecture.X86_64, 1, 2, Duration.ofMillis(842_001));

    assertThat(u.runtime()).isEqualTo(Duration.ofSeconds(843));
    assertThat(u.vcpuSeconds()).isEqualTo(843);
    assertThat(u.gibSeconds()).isEqualTo(1686);
  }

  @ParameterizedTest(name = "{0} ms ran, {1} s billed")
  @CsvSource({"0, 0", "1, 60", "6000, 60", "59001, 60", "60000, 60", "60001, 61", "843000, 843"})
  void fargateBillsAtLeastAMinuteOnceTheImagePullBegan(long ranMillis, long billedSeconds) {
    Usage u =
        usage("us-east-1", "FARGATE", Architecture.X86_64, 1, 2, Duration.ofMillis(ranMillis));

    assertThat(u.billed()).isEqualTo(Duration.ofSeconds(billedSeconds));
    assertThat(u.billedVcpuSeconds()).isEqualTo(billedSeconds);
    assertThat(u.billedGibSeconds()).isEqualTo(2 * billedSeconds);
  }

  @Test
  void aTaskOfSixSecondsCostsAMinuteOnSpotAndOnFargateAlike() {
    Estimate.Priced e =
        (Estimate.Priced)
            bundled.estimate(
                usage(
                    "us-east-1",
                    "FARGATE_SPOT",
                    Architecture.X86_64,
                    0.25,
                    0.5,
                    Duration.ofSeconds(6)));

    // 60 s * (0.01264355 * 0.25 + 0.00138835 * 0.5) / 3600, and at 0.04048 and 0.004445
    assertThat(e.dollars()).isCloseTo(0.0000642510, within(1e-10));
    assertThat(e.onDemandDollars()).isCloseTo(0.0002057083, within(1e-10));
    assertThat(e.usage().vcpuSeconds()).as("what it used, not what is billed").isEqualTo(1.5);
  }

  @Test
  void aTaskStoppedBeforeItsImagePullCostsNothing() {
    Estimate.Priced e =
        (Estimate.Priced)
            bundled.estimate(
                usage("us-east-1", "FARGATE", Architecture.X86_64, 1, 2, Duration.ZERO));

    assertThat(e.dollars()).isZero();
  }

  @Test
  void aPriceNobodyPublishedIsNotInventedButNamedForTheConfiguration() {
    Estimate e =
        bundled.estimate(
            usage("us-east-1", "FARGATE_SPOT", Architecture.ARM64, 1, 2, Duration.ofSeconds(60)));

    assertThat(e).isInstanceOf(Estimate.Unpriced.class);
    assertThat(((Estimate.Unpriced) e).why())
        .contains(
            "no FARGATE_SPOT ARM64 price for us-east-1",
            "cloud.agent.ecs.prices.arm64.fargate_spot.vcpu_hour");
  }

  @Test
  void configuredPricesReplaceTheBundledOnesAndSayTheyAreConfigured() {
    CostEstimator configured =
        new CostEstimator(
            PriceTable.of(
                new CostSettings(
                    List.of(
                        new PriceOverride(
                            Architecture.X86_64, "FARGATE_SPOT", Dimension.VCPU_HOUR, 0.012),
                        new PriceOverride(
                            Architecture.X86_64, "FARGATE_SPOT", Dimension.GB_HOUR, 0.0013)))));

    Estimate.Priced e =
        (Estimate.Priced)
            configured.estimate(
                usage("us-east-1", "FARGATE_SPOT", Architecture.X86_64, 1, 2, Duration.ofHours(1)));

    // 0.012 + 2 * 0.0013
    assertThat(e.dollars()).isCloseTo(0.0146, within(1e-12));
    assertThat(e.rate().asOf()).isEqualTo("configured");
    assertThat(e.onDemandDollars()).isCloseTo(0.04937, within(1e-12));
  }

  @Test
  void oneConfiguredDimensionIsNotEnoughWhereTheTableHasNoPrice() {
    CostEstimator configured =
        new CostEstimator(
            PriceTable.of(
                new CostSettings(
                    List.of(
                        new PriceOverride(
                            Architecture.ARM64, "FARGATE", Dimension.VCPU_HOUR, 0.03)))));

    assertThat(
            configured.estimate(
                usage("ap-south-1", "FARGATE", Architecture.ARM64, 1, 2, Duration.ofHours(1))))
        .isInstanceOf(Estimate.Unpriced.class);
  }

  @Test
  void ec2CapacityAndUnsizedTasksAreNotPriced() {
    assertThat(
            ((Estimate.Unpriced)
                    bundled.estimate(
                        usage("us-east-1", "EC2", Architecture.X86_64, 1, 2, Duration.ofHours(1))))
                .why())
        .contains("billed by the instance");
    Usage unsized =
        new Usage(
            "us-east-1",
            "FARGATE",
            Architecture.X86_64,
            false,
            null,
            null,
            Duration.ofHours(1),
            null);
    assertThat(((Estimate.Unpriced) bundled.estimate(unsized)).why())
        .isEqualTo("ECS gave no task size (cpu, memory)");
  }
}
