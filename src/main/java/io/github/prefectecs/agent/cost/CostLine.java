package io.github.prefectecs.agent.cost;

import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.support.Durations;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The run log line of a task's cost: how long it ran (and that Fargate bills a minute when it ran
 * less), on what, how big, what it cost (and for Fargate Spot what FARGATE would have cost and what
 * Spot saved), that it is an estimate, and what it leaves out. Stateless.
 */
public final class CostLine {
  /** Every cost line starts with this (the demo and tests find them by it). */
  public static final String PREFIX = "Cost estimate: ";

  static final String LEAVES_OUT =
      "it leaves out storage above 20 GiB, data transfer and Savings Plans";

  private CostLine() {}

  /** The line for {@code estimate}. */
  public static String of(Estimate estimate) {
    Usage u = estimate.usage();
    StringBuilder line = new StringBuilder(PREFIX);
    line.append("ran ");
    if (u.timing() != null) {
      line.append("≈ ");
    }
    line.append(Durations.human(u.runtime())).append(" on ").append(placement(u));
    if (u.sized()) {
      line.append(", ").append(number(u.vcpus())).append(" vCPU, ");
      line.append(number(u.memoryGib())).append(" GiB");
    }
    if (estimate instanceof Estimate.Priced p) {
      if (u.billedTheMinimum()) {
        line.append(", billed as ")
            .append(Durations.human(u.billed()))
            .append(" (Fargate's minimum)");
      }
      line.append(": ≈ ").append(dollars(p.dollars()));
      if (p.onDemandDollars() != null) {
        line.append(" (on FARGATE ≈ ").append(dollars(p.onDemandDollars()));
        line.append(", Spot saved ").append(percent(p)).append(" %)");
      }
      line.append(". An estimate from the Fargate list prices of ").append(u.region());
      line.append(" (").append(p.rate().asOf().equals("configured") ? "configured" : "as of ");
      if (!p.rate().asOf().equals("configured")) {
        line.append(p.rate().asOf());
      }
      line.append("); ").append(LEAVES_OUT);
    } else if (estimate instanceof Estimate.Unpriced n) {
      if (u.sized()) {
        line.append(" (")
            .append(Math.round(u.vcpuSeconds()))
            .append(" vCPU-s, ")
            .append(Math.round(u.gibSeconds()))
            .append(" GiB-s)");
      }
      line.append("; no dollar estimate: ").append(n.why());
    }
    if (u.timing() != null) {
      line.append(" (times ").append(u.timing()).append(')');
    }
    return line.append('.').toString();
  }

  private static String placement(Usage u) {
    String on = u.placement() == null ? "unknown capacity" : u.placement();
    return u.architecture() == Architecture.ARM64 ? on + " (ARM64)" : on;
  }

  /** {@code 1}, {@code 0.25}, {@code 2.5}: no trailing zeros. */
  static String number(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /**
   * Two decimals from $10, four from a tenth of a cent, below that two significant digits (a
   * one-minute quarter-vCPU task is $0.00021, not $0.0002).
   */
  static String dollars(double value) {
    if (value >= 10) {
      return String.format(Locale.ROOT, "$%.2f", value);
    }
    if (value >= 0.001 || value <= 0) {
      return String.format(Locale.ROOT, "$%.4f", Math.max(0, value));
    }
    return "$" + new BigDecimal(value).round(new MathContext(2)).toPlainString();
  }

  private static long percent(Estimate.Priced p) {
    return p.onDemandDollars() > 0 ? Math.round(100 * p.spotSavings() / p.onDemandDollars()) : 0;
  }
}
