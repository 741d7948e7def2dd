package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.AgentRegistration;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.UpdateResult;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.prefect.server.RecordedRequest;
import io.github.prefectecs.agent.testsupport.PacedLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Launches N flow runs due at once (each with one scheduled task run) through the whole {@link
 * Agent} against the Prefect Server double, with a launcher that starts at most 20 tasks a second
 * (the RunTask quota) and answers after 30 ms, and prints the Prefect GraphQL requests per run by
 * operation, the launch rate, and the delay between a run's claim answer and its launch call
 * (p50/p99/max): what batching adds to a launch. Arguments: runs (1000), launches a second (20),
 * launch slots (10, the default {@code max_concurrent_launches}).
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.RequestBenchmark [-Dexec.args="1000 20 10"]}
 */
public final class RequestBenchmark {
  private static final List<String> OPERATIONS =
      List.of(
          "get_runs_in_queue",
          "flow_run",
          "set_flow_run_states",
          "set_task_run_states",
          "write_run_logs",
          "update_flow_run_heartbeat");

  private RequestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double rate = args.length > 1 ? Double.parseDouble(args[1]) : 20;
    int slots = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Result result = measure(runs, rate, slots);
    System.out.printf(
        "Request benchmark: %d flow runs due at once (1 task run each), launcher at %.0f"
            + " launches/s, 30 ms per launch, %d launch slots%n",
        runs, rate, slots);
    result.print();
    System.exit(0);
  }

  /** Requests by operation and launch delays of one agent launching {@code n} runs. */
  record Result(
      int runs,
      Map<String, Integer> requests,
      int total,
      double seconds,
      List<Long> claimToLaunchMillis) {
    void print() {
      System.out.printf(
          "launched %d runs in %.1f s (%.1f runs/s)%n", runs, seconds, runs / seconds);
      for (Map.Entry<String, Integer> e : requests.entrySet()) {
        System.out.printf(
            "  %-28s %6d requests  %.3f per run%n",
            e.getKey(), e.getValue(), e.getValue() / (double) runs);
      }
      System.out.printf(
          "  %-28s %6d requests  %.3f per run%n", "all GraphQL", total, total / (double) runs);
      List<Long> d = claimToLaunchMillis.stream().sorted().toList();
      System.out.printf(
          "claim answer -> launch call: p50 %d ms, p99 %d ms, max %d ms (%d runs)%n",
          pct(d, 50), pct(d, 99), d.isEmpty() ? 0 : d.get(d.size() - 1), d.size());
    }
  }

  static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
  }

  static Result measure(int n, double rate, int slots) throws InterruptedException {
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      Instant due = Instant.now().minusSeconds(5);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String run = server.createFlowRun(flow, List.of(), due);
        server.createTaskRun(run, "Scheduled", due);
        ids.add(run);
      }
      AgentConfig config = TestConfigs.server(server.uri(), List.of(), slots, null);
      Map<String, Long> claimAnswered = new ConcurrentHashMap<>();
      PrefectApi api = new ClaimClock(GraphqlPrefectApi.create(config), claimAnswered);
      PacedLauncher launcher = new PacedLauncher(rate, claimAnswered);
      Agent agent =
          AgentAssembly.builder(config)
              .api(api)
              .launcher(t -> launcher)
              .clock(Clock.systemUTC())
              .build();
      long start = System.nanoTime();
      agent.start();
      long deadline = start + TimeUnit.MINUTES.toNanos(10);
      while (!ids.stream().allMatch(r -> submittedLogged(server, r))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("runs not all launched within 10 minutes");
        }
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      agent.close();
      Map<String, Integer> byOperation = new TreeMap<>();
      for (String op : OPERATIONS) {
        byOperation.put(op, server.requestCount(op));
      }
      int total = 0;
      for (RecordedRequest r : server.requests()) {
        if (r.rootFields().stream().noneMatch(f -> f.equals("register_agent"))) {
          total++;
        }
      }
      return new Result(n, byOperation, total, seconds, launcher.delays());
    }
  }

  private static boolean submittedLogged(PrefectServerDouble server, String run) {
    return server.logs(run).stream()
        .anyMatch(l -> l.message().startsWith("Submitted for execution: Task"));
  }

  /** Records when each run's claim (its Submitted state) was answered. */
  private static final class ClaimClock implements PrefectApi {
    private final PrefectApi api;
    private final Map<String, Long> answered;

    ClaimClock(PrefectApi api, Map<String, Long> answered) {
      this.api = api;
      this.answered = answered;
    }

    @Override
    public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
      List<UpdateResult> results = api.setFlowRunStates(updates);
      long now = System.nanoTime();
      for (UpdateResult r : results) {
        if (r.error() == null) {
          answered.putIfAbsent(r.runId(), now);
        }
      }
      return results;
    }

    @Override
    public String apiTokenScope() {
      return api.apiTokenScope();
    }

    @Override
    public String defaultTenantId() {
      return api.defaultTenantId();
    }

    @Override
    public String registerAgent(AgentRegistration registration) {
      return api.registerAgent(registration);
    }

    @Override
    public void hello() {
      api.hello();
    }

    @Override
    public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
      return api.runsInQueue(tenantId, labels, before);
    }

    @Override
    public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
      return api.flowRuns(ids, taskRunCutoff);
    }

    @Override
    public List<io.github.prefectecs.agent.prefect.TaskRun> taskRunStatuses(
        Collection<String> ids) {
      return api.taskRunStatuses(ids);
    }

    @Override
    public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
      return api.flowRunStatuses(ids);
    }

    @Override
    public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
      return api.heartbeatFlowRuns(ids);
    }

    @Override
    public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
      return api.setTaskRunStates(updates);
    }

    @Override
    public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
      return api.writeRunLogs(logs);
    }

    @Override
    public void close() {
      api.close();
    }
  }
}
