package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Several agents in one AWS account against {@link QuotaEcs} (the account's ECS quotas, enforced
 * with ThrottlingException): no run lost, duplicated or failed while they adapt; a quota that drops
 * mid-run is followed within seconds; a lone agent climbs back to the full rate.
 */
class SharedQuotaIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(300)
  void threeAgentsShareTheQuotaWithoutLosingOrDuplicatingARun() {
    QuotaEcs account = new QuotaEcs(1);
    try (PrefectServerDouble server = PrefectServerDouble.start()) {
      List<String> runs = new ArrayList<>();
      for (int config = 0; config < 3; config++) {
        ObjectNode runConfig = JSON.createObjectNode();
        runConfig.put("type", "ECSRun");
        runConfig.put("image", "example/flow-" + config + ":1");
        runConfig.putArray("labels").add("ecs");
        String flow =
            server.createFlow(
                "flow-" + config,
                JSON.createObjectNode().put("type", "Local"),
                runConfig,
                "0.15.13");
        for (int i = 0; i < 100; i++) {
          runs.add(
              server.createFlowRun(flow, List.of("ecs"), Instant.now().minusSeconds(1), runConfig));
        }
      }
      List<Agent> agents = new ArrayList<>();
      List<QuotaEcs.Counts> counts = new ArrayList<>();
      try {
        for (int a = 0; a < 3; a++) {
          AgentConfig config =
              TestConfigs.withEcs(
                  TestConfigs.server(server.uri(), List.of("ecs"), 10, null), settings());
          QuotaEcs.Counts mine = new QuotaEcs.Counts();
          counts.add(mine);
          EcsRateLimits limits = EcsRateLimits.adaptive(null);
          Agent agent =
              AgentAssembly.builder(config)
                  .api(GraphqlPrefectApi.create(config))
                  .launcher(
                      tenant ->
                          new EcsLauncher(
                              config,
                              tenant,
                              account.client(mine),
                              null,
                              Clock.systemUTC(),
                              limits))
                  .clock(Clock.systemUTC())
                  .build();
          agents.add(agent);
          agent.start();
        }
        Eventually.until(
            Duration.ofSeconds(240),
            () -> "all 300 runs submitted; tasks so far " + account.backend().tasks().size(),
            () ->
                runs.stream()
                    .allMatch(
                        r ->
                            server.logs(r).stream()
                                .anyMatch(l -> l.message().startsWith("Submitted for execution"))));
      } finally {
        agents.forEach(Agent::close);
      }

      List<Task> tasks = account.backend().tasks();
      Set<String> startedBy = tasks.stream().map(Task::startedBy).collect(Collectors.toSet());
      int calls = account.total().calls("RunTask");
      int throttled = account.total().throttled("RunTask");
      System.out.printf(
          "3 agents, 300 runs: %d tasks, %d RunTask calls, %d throttled (%.1f %%), per agent %s%n",
          tasks.size(),
          calls,
          throttled,
          100.0 * throttled / calls,
          counts.stream().map(c -> c.accepted("RunTask")).toList());
      assertThat(tasks).hasSize(300);
      assertThat(startedBy).containsExactlyInAnyOrderElementsOf(runs);
      for (String run : runs) {
        assertThat(server.flowRunState(run)).isEqualTo("Submitted");
        assertThat(
                server.flowRunStateHistory(run).stream()
                    .filter(s -> s.path("type").asText().equals("Submitted")))
            .hasSize(1);
      }
      // Fixed buckets sized to the whole quota throttle about half of the calls here. With 300 runs
      // the agents' start (about 10 throttled calls) weighs three times more than with 1500.
      assertThat((double) throttled / calls).isLessThan(0.1);
    }
  }

  @Test
  @Timeout(180)
  void aLoneAgentFollowsAQuotaDropWithinSecondsAndClimbsBackToTheFullRate() throws Exception {
    QuotaEcs account = new QuotaEcs(1);
    QuotaEcs.Counts counts = new QuotaEcs.Counts();
    EcsRateLimits limits = EcsRateLimits.adaptive(null);
    AgentConfig config =
        TestConfigs.withEcs(
            TestConfigs.server(java.net.URI.create("http://localhost:4200"), List.of(), 10, null),
            settings());
    EcsLauncher launcher =
        new EcsLauncher(config, null, account.client(counts), null, Clock.systemUTC(), limits);
    launcher.start();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger launched = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(10);
    AtomicInteger ids = new AtomicInteger();
    try {
      for (int t = 0; t < 10; t++) {
        pool.submit(
            () -> {
              while (!stop.get()) {
                FlowRun run = run(ids.incrementAndGet());
                LaunchResult result;
                do {
                  result = launcher.launch(run, 1);
                } while (result instanceof LaunchResult.Retryable r
                    && r.throttled()
                    && !stop.get());
                if (result instanceof LaunchResult.Launched) {
                  launched.incrementAndGet();
                } else if (!stop.get()) {
                  failed.incrementAndGet();
                }
              }
              return null;
            });
      }
      TokenBucketProbe fargate = new TokenBucketProbe(limits);
      Eventually.until(
          Duration.ofSeconds(20),
          "100 runs launched at the full rate",
          () -> launched.get() >= 100);
      assertThat(fargate.rate()).isGreaterThanOrEqualTo(14);

      account.fargateRunTaskRate(5);
      long dropped = System.nanoTime();
      Eventually.until(
          Duration.ofSeconds(10),
          () -> "the Fargate RunTask rate follows the quota down to 5/s; now " + fargate.rate(),
          () -> fargate.rate() <= 7);
      double followedIn = (System.nanoTime() - dropped) / 1e9;
      int throttledBefore = account.total().throttled("RunTask");
      int launchedBefore = launched.get();
      Eventually.until(
          Duration.ofSeconds(30),
          "30 more runs launched under the lower quota",
          () -> launched.get() >= launchedBefore + 30);
      int throttledUnderLowQuota = account.total().throttled("RunTask") - throttledBefore;

      account.fargateRunTaskRate(20);
      long restored = System.nanoTime();
      Eventually.until(
          Duration.ofSeconds(60),
          () -> "the lone agent climbs back to 20/s; now " + fargate.rate(),
          () -> fargate.rate() >= 20);
      double climbedIn = (System.nanoTime() - restored) / 1e9;
      System.out.printf(
          "quota 20 -> 5/s followed in %.1f s (%d throttled during the next 30 runs);"
              + " 5 -> 20/s regained in %.1f s%n",
          followedIn, throttledUnderLowQuota, climbedIn);
      // Fixed buckets at 20/s would have 3 of 4 calls throttled under a 5/s quota.
      assertThat(throttledUnderLowQuota).isLessThan(30);
      assertThat(failed.get()).isZero();
    } finally {
      stop.set(true);
      pool.shutdown();
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    List<Task> tasks = account.backend().tasks();
    assertThat(tasks.stream().map(Task::startedBy).distinct().count()).isEqualTo(tasks.size());
  }

  /** Reads the Fargate RunTask bucket's rate. */
  private record TokenBucketProbe(EcsRateLimits limits) {
    double rate() {
      return Math.round(limits.fargateRunTask().rate() * 100) / 100.0;
    }
  }

  private static FlowRun run(int n) {
    return new FlowRun(
        String.format("00000000-0000-4000-8000-%012d", n),
        1,
        "Scheduled",
        null,
        null,
        null,
        JSON.createObjectNode().put("type", "ECSRun").put("image", "example/flow:1"),
        "run",
        new Flow("flow", "Flow", null, null, 1, "0.15.13"),
        List.of());
  }

  private static EcsSettings settings() {
    return EcsSettings.builder()
        .cluster("flows")
        .network(List.of("subnet-1", "subnet-2"), List.of("sg-1"), false)
        .build();
  }
}
