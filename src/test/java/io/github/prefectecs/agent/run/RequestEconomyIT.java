package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.prefect.server.RecordedRequest;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.PacedLauncher;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP requests per poll cycle stay flat as the number of runs grows, many runs due at once cost
 * under half a request each, and capacity is respected.
 */
@Timeout(120)
class RequestEconomyIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void requestsPerCycleDoNotGrowWithTheNumberOfRunsClaimed() {
    Map<String, Integer> one = requestsToSubmit(1);
    Map<String, Integer> twenty = requestsToSubmit(20);
    System.out.printf("requests to submit 1 run: %s; 20 runs: %s%n", one, twenty);
    assertThat(twenty.get("flow_run")).isEqualTo(one.get("flow_run"));
    assertThat(twenty.get("set_flow_run_states")).isEqualTo(one.get("set_flow_run_states"));
    // Logs are written as each launch ends; a slow machine may spread 20 launches over a few
    // batching windows, but never one request per run.
    assertThat(twenty.get("write_run_logs")).isLessThanOrEqualTo(one.get("write_run_logs") + 2);
  }

  @Test
  void manyRunsDueAtOnceCostLessThanHalfARequestEach() {
    int n = 150;
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      Instant due = Instant.now().minusSeconds(5);
      List<String> runs = new ArrayList<>();
      List<String> taskRuns = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String run = server.createFlowRun(flow, List.of(), due);
        runs.add(run);
        taskRuns.add(server.createTaskRun(run, "Scheduled", due));
      }
      // 20 launches a second, as the RunTask quota allows: the rate at which slots free up.
      PacedLauncher launcher = new PacedLauncher(20, Map.of());
      AgentConfig config = TestConfigs.server(server.uri(), List.of());
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(t -> launcher)
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            Duration.ofSeconds(90),
            "every run's Submitted log and task run state",
            () ->
                runs.stream().allMatch(r -> submittedLogs(server, r) == 1)
                    && taskRuns.stream().allMatch(t -> server.taskRunState(t).equals("Submitted")));
      } finally {
        agent.close();
      }
      List<RecordedRequest> requests = server.requests();
      int firstPoll = 0;
      while (!requests.get(firstPoll).rootFields().contains("get_runs_in_queue")) {
        firstPoll++;
      }
      Map<String, Integer> byOperation = new TreeMap<>();
      for (String op :
          List.of(
              "get_runs_in_queue",
              "flow_run",
              "set_flow_run_states",
              "set_task_run_states",
              "write_run_logs")) {
        byOperation.put(op, server.requestCount(op));
      }
      int afterStartUp = requests.size() - firstPoll;
      double perRun = afterStartUp / (double) n;
      System.out.printf(
          "%d runs due at once, launched at 20/s: %d GraphQL requests after start-up, %.3f per"
              + " run; by operation: %s%n",
          n, afterStartUp, perRun, byOperation);
      assertThat(perRun).isLessThanOrEqualTo(0.5);
      assertThat(launcher.launches()).hasSize(n).doesNotHaveDuplicates();
      assertThat(runs).allMatch(r -> server.flowRunState(r).equals("Submitted"));
      assertThat(runs).allMatch(r -> submittedLogs(server, r) == 1);
    }
  }

  private static long submittedLogs(PrefectServerDouble server, String run) {
    return server.logs(run).stream()
        .filter(l -> l.message().startsWith("Submitted for execution: Task"))
        .count();
  }

  private Map<String, Integer> requestsToSubmit(int n) {
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        runs.add(server.createFlowRun(flow, List.of(), Instant.now().minusSeconds(1)));
      }
      RecordingLauncher launcher = new RecordingLauncher();
      AgentConfig config = TestConfigs.server(server.uri(), List.of(), 25, null);
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(t -> launcher)
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(
            WAIT,
            "every run's Submitted log",
            () ->
                runs.stream()
                    .allMatch(
                        r ->
                            server.logs(r).stream()
                                .anyMatch(l -> l.message().startsWith("Submitted for execution"))));
        return Map.of(
            "flow_run", server.requestCount("flow_run"),
            "set_flow_run_states", server.requestCount("set_flow_run_states"),
            "write_run_logs", server.requestCount("write_run_logs"));
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void neverClaimsMoreRunsThanThereAreFreeLaunchSlots() {
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      String flow = server.createFlow("etl");
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        runs.add(server.createFlowRun(flow, List.of(), Instant.now().minusSeconds(1)));
      }
      CountDownLatch gate = new CountDownLatch(1);
      RecordingLauncher launcher = new RecordingLauncher().holdLaunchesUntil(gate);
      AgentConfig config = TestConfigs.server(server.uri(), List.of(), 2, null);
      Agent agent =
          AgentAssembly.builder(config)
              .api(GraphqlPrefectApi.create(config))
              .launcher(t -> launcher)
              .clock(Clock.systemUTC())
              .build();
      try {
        agent.start();
        Eventually.until(WAIT, "two launches in progress", () -> launcher.launches().size() == 2);
        int pollsBefore = server.requestCount("get_runs_in_queue");
        Eventually.until(
            WAIT, "more polls", () -> server.requestCount("get_runs_in_queue") >= pollsBefore + 2);
        long submitted =
            runs.stream().filter(r -> server.flowRunState(r).equals("Submitted")).count();
        assertThat(submitted).isEqualTo(2);
        assertThat(launcher.launches()).hasSize(2);

        gate.countDown();
        Eventually.until(
            WAIT, "all five launched", () -> launcher.launchedRuns().containsAll(runs));
        assertThat(launcher.maxConcurrentLaunches()).isLessThanOrEqualTo(2);
        assertThat(launcher.launches()).doesNotHaveDuplicates();
      } finally {
        gate.countDown();
        agent.close();
      }
    }
  }
}
