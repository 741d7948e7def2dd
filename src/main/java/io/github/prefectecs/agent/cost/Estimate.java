package io.github.prefectecs.agent.cost;

import java.util.Objects;

/** What a task cost, or why the agent cannot say. */
public sealed interface Estimate {
  /** What the task used. */
  Usage usage();

  /**
   * Priced from the table.
   *
   * @param dollars what it cost at {@code rate}
   * @param rate the price used
   * @param onDemandDollars for a Fargate Spot task, what FARGATE would have cost; else null (also
   *     when no FARGATE price is known)
   */
  record Priced(Usage usage, double dollars, Rate rate, Double onDemandDollars)
      implements Estimate {
    public Priced {
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(rate, "rate");
    }

    /** What Fargate Spot saved against FARGATE; 0 when not known or not Spot. */
    public double spotSavings() {
      return onDemandDollars == null ? 0 : Math.max(0, onDemandDollars - dollars);
    }
  }

  /**
   * Not priced.
   *
   * @param why one clause saying why and, where it helps, what to set
   */
  record Unpriced(Usage usage, String why) implements Estimate {
    public Unpriced {
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(why, "why");
    }
  }
}
