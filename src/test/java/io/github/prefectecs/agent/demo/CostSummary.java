package io.github.prefectecs.agent.demo;

import io.github.prefectecs.agent.cost.CostLine;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.world.AgentWithFlows;
import io.github.prefectecs.agent.world.TaskView;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The end of the demo: each run's cost lines as the agent wrote them into the run's log (one per
 * task), then the totals the agent counted in its Prometheus series: estimated dollars by capacity
 * provider and what Fargate Spot saved. Prints to stdout.
 */
final class CostSummary {
  private static final String TAIL = ". An estimate from ";

  private CostSummary() {}

  /** One demo run: its id and flow. */
  record Run(String id, String flow) {}

  /**
   * Waits (at most {@code timeout}) until every task of {@code runs} has stopped and has its cost
   * line, then prints them and the totals.
   */
  static void print(AgentWithFlows flows, List<Run> runs, Duration timeout)
      throws IOException, InterruptedException {
    try {
      Eventually.until(timeout, "every task's cost line", () -> accounted(flows, runs));
    } catch (AssertionError e) {
      System.out.println("\n(Not every task's cost line is in its run's log yet.)");
    }
    System.out.println("\nWhat each run cost (the agent's cost lines in the run logs):");
    Set<String> notes = new LinkedHashSet<>();
    int lines = 0;
    for (Run run : runs) {
      List<String> costs = flows.costLines(run.id());
      if (costs.isEmpty()) {
        System.out.printf("  %s %-9s (no cost line)%n", run.id().substring(0, 8), run.flow());
      }
      for (String line : costs) {
        lines++;
        // The clause on the price list's region, month and what it leaves out, printed once below.
        int tail = line.indexOf(TAIL);
        String figures = line.substring(CostLine.PREFIX.length(), tail < 0 ? line.length() : tail);
        if (tail >= 0) {
          notes.add(line.substring(tail + 2));
        }
        System.out.printf("  %s %-9s %s%n", run.id().substring(0, 8), run.flow(), figures);
      }
    }
    notes.forEach(n -> System.out.println("  " + n));
    totals(flows, lines);
  }

  private static boolean accounted(AgentWithFlows flows, List<Run> runs) {
    for (Run run : runs) {
      List<TaskView> tasks = flows.front().tasksOf(run.id());
      if (!tasks.stream().allMatch(TaskView::stopped)
          || flows.costLines(run.id()).size() < tasks.size()) {
        return false;
      }
    }
    return true;
  }

  private static void totals(AgentWithFlows flows, int lines)
      throws IOException, InterruptedException {
    Map<String, Double> dollars = flows.counter("prefect_ecs_agent_task_cost_usd");
    Map<String, Double> saved = flows.counter("prefect_ecs_agent_spot_savings_usd");
    double total = dollars.values().stream().mapToDouble(Double::doubleValue).sum();
    double savings = saved.values().stream().mapToDouble(Double::doubleValue).sum();
    StringBuilder byProvider = new StringBuilder();
    dollars.forEach(
        (provider, usd) ->
            byProvider
                .append(byProvider.length() == 0 ? "" : ", ")
                .append(provider)
                .append(' ')
                .append(usd(usd)));
    System.out.printf(
        "%nIn total (the agent's /metrics, prefect_ecs_agent_task_cost_usd_total and"
            + " prefect_ecs_agent_spot_savings_usd_total), %d tasks:%n"
            + "  estimated cost       %s (%s)%n"
            + "  Fargate Spot saved   %s (%.0f %% of the %s these tasks would have cost all on"
            + " FARGATE)%n",
        lines,
        usd(total),
        byProvider,
        usd(savings),
        total + savings > 0 ? 100 * savings / (total + savings) : 0.0,
        usd(total + savings));
  }

  /** Dollars with enough decimals to show the demo's tiny figures. */
  private static String usd(double value) {
    return String.format(Locale.ROOT, value < 0.01 ? "$%.6f" : "$%.4f", value);
  }
}
