package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.FlagOverride;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags of how flow tasks are watched: start timeout, Spot relaunches, the maximum runtime and
 * the grace of a task that outlives its run. Part of {@link AgentOptions}; each flag overrides one
 * key of {@code [cloud.agent.ecs]}.
 */
final class SupervisionOptions {
  private static final String ECS = "cloud.agent.ecs.";

  @Option(
      names = "--start-timeout",
      paramLabel = "SECONDS",
      description =
          "Seconds a flow task may take to start (PROVISIONING/PENDING) before it is stopped and"
              + " its run failed; default 600.")
  Double startTimeout;

  @Option(
      names = "--spot-relaunch-limit",
      paramLabel = "N",
      description =
          "How often a run interrupted by Fargate Spot is relaunched on FARGATE before it"
              + " fails; default 3.")
  Long spotRelaunchLimit;

  @Option(
      names = "--max-runtime",
      paramLabel = "DURATION",
      description =
          "Longest a flow task may run, e.g. 7200, 90m or 2h; then it is stopped and its run"
              + " failed. A run's PREFECT_ECS_AGENT_MAX_RUNTIME replaces it. Default 0: no limit.")
  String maxRuntime;

  @Option(
      names = "--orphan-grace",
      paramLabel = "DURATION",
      description =
          "How long a task of this agent may outlive its finished or deleted run before the agent"
              + " stops it, e.g. 300 or 5m; 0 only reports such tasks. Default 300.")
  String orphanGrace;

  void overrides(List<FlagOverride> out) {
    AgentOptions.add(out, ECS + "start_timeout", startTimeout, "--start-timeout");
    AgentOptions.add(out, ECS + "spot_relaunch_limit", spotRelaunchLimit, "--spot-relaunch-limit");
    AgentOptions.add(out, ECS + "max_runtime", maxRuntime, "--max-runtime");
    AgentOptions.add(out, ECS + "orphan_grace", orphanGrace, "--orphan-grace");
  }
}
