package io.github.prefectecs.agent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * Every Prometheus series the agent exports, with one method per event the code reports. The series
 * names are part of the agent's interface (docs/operations.md, "Metrics"): dashboards and alerts
 * use them.
 *
 * <p>Thread-safe. Each instance owns its own registry, so tests never share state.
 */
public final class AgentMetrics {
  /** Launch durations (claim to task started) span from ~100 ms to minutes of retries. */
  private static final double[] LAUNCH_BUCKETS = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600
  };

  /** {@code cause} of a launch ECS rejected (bad definition, missing role, RunTask failures). */
  public static final String CAUSE_LAUNCH_REJECTED = "launch_rejected";

  /** {@code cause} of a launch that stayed retryable until the attempts ran out. */
  public static final String CAUSE_LAUNCH_RETRIES_EXHAUSTED = "launch_retries_exhausted";

  /** {@code cause} of a claimed run the agent could not launch because it was stopping. */
  public static final String CAUSE_AGENT_STOPPED = "agent_stopped";

  /** {@code cause} of a run failed by the task watcher: its task stopped abnormally. */
  public static final String CAUSE_TASK_STOPPED = "task_stopped";

  /** {@code cause} of a run failed because its task ran past its maximum runtime. */
  public static final String CAUSE_MAX_RUNTIME = "max_runtime";

  private static final double[] POLL_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry;
  private final Counter launched;
  private final Counter failed;
  private final Counter spotRelaunches;
  private final Counter awsRequests;
  private final Counter prefectRequests;
  private final Histogram launchSeconds;
  private final Histogram pollSeconds;
  private final Counter logLinesForwarded;
  private final Counter logLinesDropped;
  private final Counter orphanTasks;
  private final Counter breakerChanges;
  private final Counter breakerRedirects;
  private final CostMetrics cost;
  private volatile IntSupplier inFlight = () -> 0;
  private volatile boolean breakerOpen;

  private AgentMetrics(PrometheusRegistry registry, boolean jvm) {
    this.registry = registry;
    launched =
        Counter.builder()
            .name("prefect_ecs_agent_runs_launched_total")
            .help("Flow runs whose ECS task this agent started")
            .register(registry);
    failed =
        Counter.builder()
            .name("prefect_ecs_agent_runs_failed_total")
            .help("Flow runs this agent set Failed, by cause")
            .labelNames("cause")
            .register(registry);
    GaugeWithCallback.builder()
        .name("prefect_ecs_agent_runs_in_flight")
        .help("Flow runs in this agent's hands: being claimed, launching, or with a task running")
        .callback(cb -> cb.call(inFlight.getAsInt()))
        .register(registry);
    spotRelaunches =
        Counter.builder()
            .name("prefect_ecs_agent_spot_relaunches_total")
            .help("Flow runs started again after Fargate Spot reclaimed their task")
            .register(registry);
    awsRequests =
        Counter.builder()
            .name("prefect_ecs_agent_aws_requests_total")
            .help("AWS SDK request attempts, by API and outcome (ok, throttled, error)")
            .labelNames("api", "outcome")
            .register(registry);
    prefectRequests =
        Counter.builder()
            .name("prefect_ecs_agent_prefect_requests_total")
            .help("Prefect GraphQL API calls, by operation and outcome (ok, throttled, error)")
            .labelNames("operation", "outcome")
            .register(registry);
    launchSeconds =
        Histogram.builder()
            .name("prefect_ecs_agent_launch_seconds")
            .help("Seconds from a flow run's claim to its ECS task started")
            .classicOnly()
            .classicUpperBounds(LAUNCH_BUCKETS)
            .register(registry);
    pollSeconds =
        Histogram.builder()
            .name("prefect_ecs_agent_poll_seconds")
            .help("Seconds one poll of the Prefect queue took")
            .classicOnly()
            .classicUpperBounds(POLL_BUCKETS)
            .register(registry);
    logLinesForwarded =
        Counter.builder()
            .name("prefect_ecs_agent_log_lines_forwarded_total")
            .help("Flow task log lines forwarded from CloudWatch Logs to Prefect")
            .register(registry);
    logLinesDropped =
        Counter.builder()
            .name("prefect_ecs_agent_log_lines_dropped_total")
            .help("Flow task log lines the Prefect API refused for good (e.g. a run deleted)")
            .register(registry);
    orphanTasks =
        Counter.builder()
            .name("prefect_ecs_agent_orphan_tasks_total")
            .help(
                "Tasks of this agent found running for a run that no longer needs them, by reason"
                    + " (run_finished, run_deleted, older_attempt) and action (stopped, reported)")
            .labelNames("reason", "action")
            .register(registry);
    GaugeWithCallback.builder()
        .name("prefect_ecs_agent_spot_breaker_open")
        .help("1 while the Spot circuit breaker sends new launches to FARGATE, else 0")
        .callback(cb -> cb.call(breakerOpen ? 1 : 0))
        .register(registry);
    breakerChanges =
        Counter.builder()
            .name("prefect_ecs_agent_spot_breaker_transitions_total")
            .help("Times the Spot circuit breaker opened or closed, by the state it went to")
            .labelNames("state")
            .register(registry);
    breakerRedirects =
        Counter.builder()
            .name("prefect_ecs_agent_spot_breaker_redirects_total")
            .help("Launches the open Spot circuit breaker sent to FARGATE instead of FARGATE_SPOT")
            .register(registry);
    cost = new CostMetrics(registry);
    if (jvm) {
      JvmMetrics.builder().register(registry);
    }
  }

  /** The agent's metrics with the JVM's own (memory, GC, threads, classes, ...). */
  public static AgentMetrics withJvm() {
    return new AgentMetrics(new PrometheusRegistry(), true);
  }

  /** The agent's series only, in a fresh registry (tests, benchmarks). */
  public static AgentMetrics create() {
    return new AgentMetrics(new PrometheusRegistry(), false);
  }

  /** The registry to scrape. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Reads the in-flight gauge from {@code count} at each scrape. */
  public void trackInFlight(IntSupplier count) {
    inFlight = Objects.requireNonNull(count, "count");
  }

  public void runLaunched() {
    launched.inc();
  }

  /**
   * A run this agent set Failed. {@code cause} is a short fixed word (see docs/operations.md),
   * never a message: each distinct value is a new series.
   */
  public void runFailed(String cause) {
    failed.labelValues(cause).inc();
  }

  public void spotRelaunched() {
    spotRelaunches.inc();
  }

  /** One AWS SDK attempt of {@code api} (e.g. {@code RunTask}). */
  public void awsRequest(String api, Outcome outcome) {
    awsRequests.labelValues(api, outcome.label()).inc();
  }

  /** One Prefect API call of {@code operation} (e.g. {@code set_flow_run_states}). */
  public void prefectRequest(String operation, Outcome outcome) {
    prefectRequests.labelValues(operation, outcome.label()).inc();
  }

  /** The time from a run's claim to its task started. */
  public void launchDuration(Duration claimToStarted) {
    launchSeconds.observe(seconds(claimToStarted));
  }

  public void pollDuration(Duration poll) {
    pollSeconds.observe(seconds(poll));
  }

  public void logLinesForwarded(long lines) {
    logLinesForwarded.inc(lines);
  }

  public void logLinesDropped(long lines) {
    logLinesDropped.inc(lines);
  }

  /** The series of what tasks used and cost. */
  public CostMetrics cost() {
    return cost;
  }

  /**
   * A task of this agent that outlived its run. {@code reason} and {@code action} are short fixed
   * words (docs/operations.md, "Metrics").
   */
  public void orphanTask(String reason, String action) {
    orphanTasks.labelValues(reason, action).inc();
  }

  /** The Spot circuit breaker opened ({@code true}) or closed. */
  public void spotBreaker(boolean open) {
    breakerOpen = open;
    breakerChanges.labelValues(open ? "open" : "closed").inc();
  }

  /** A launch the open Spot circuit breaker sent to FARGATE. */
  public void spotBreakerRedirect() {
    breakerRedirects.inc();
  }

  private static double seconds(Duration d) {
    return Math.max(0, d.toNanos()) / 1e9;
  }

  /** The {@code outcome} label of request counters. */
  public enum Outcome {
    OK,
    THROTTLED,
    ERROR;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
