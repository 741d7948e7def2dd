package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.demo.DemoEnvironment;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The built jar killed with SIGKILL in the middle of its launches (it had claimed every run and was
 * fetching the runs' task definition template), then started again under the same name, as ECS
 * replaces an OOM-killed service task: the new process takes over the claims the dead one left
 * without a task, and every run gets exactly one task, long before Prefect's Lazarus would act.
 */
@Timeout(300)
class StrandedClaimsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RUNS = 6;

  @Test
  void aRestartUnderTheSameNameLaunchesTheRunsAKilledProcessClaimedOnce() throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger fetches = new AtomicInteger();
    HttpServer templates = holdingTemplates(release, fetches);
    try (DemoEnvironment env = DemoEnvironment.start()) {
      // The claims of the process about to die are stamped 10 minutes ago by the server's clock.
      env.prefect().clock().advance(Duration.ofMinutes(-10));
      List<String> runs = scheduleRuns(env, templates.getAddress().getPort());
      env.startAgent(jar);
      Eventually.until(
          Duration.ofSeconds(120),
          () -> "every run claimed and its template being fetched; log:\n" + log(env),
          () ->
              fetches.get() >= RUNS
                  && runs.stream()
                      .allMatch(r -> "Submitted".equals(env.prefect().flowRunState(r))));
      List<String> firstClaims = new ArrayList<>();
      runs.forEach(r -> firstClaims.add(claimOf(env, r)));

      env.killAgent();
      env.prefect().clock().advance(Duration.ofMinutes(10));
      assertThat(env.tasks()).as("the killed process started no task").isEmpty();
      release.countDown();
      env.startAgent(jar);

      Eventually.until(
          Duration.ofSeconds(120),
          () -> "a task for every run; log:\n" + log(env),
          () -> runs.stream().allMatch(r -> !env.tasksOf(r).isEmpty()));
      for (int i = 0; i < runs.size(); i++) {
        String run = runs.get(i);
        assertThat(env.tasksOf(run)).as("tasks of %s", run).hasSize(1);
        assertThat(env.prefect().flowRunState(run)).isEqualTo("Submitted");
        assertThat(claimOf(env, run)).as("claimed anew").isNotEqualTo(firstClaims.get(i));
        assertThat(
                env.prefect().flowRunStateHistory(run).stream()
                    .map(s -> s.path("type").asText())
                    .toList())
            .containsExactly("Scheduled", "Submitted", "Submitted");
      }
      assertThat(log(env)).contains("without a task", "claiming it again");
      assertThat(env.prefect().validationErrors()).isEmpty();
      assertThat(env.stopAgent(Duration.ofSeconds(60))).isZero();
    } finally {
      release.countDown();
      templates.stop(0);
    }
  }

  private static String claimOf(DemoEnvironment env, String run) {
    JsonNode state = env.prefect().flowRunSerializedState(run);
    return PrefectStates.claimOf(state) + "/" + PrefectStates.attemptOf(state);
  }

  /** Answers the first requests only once {@code release} opens, then at once. */
  private static HttpServer holdingTemplates(CountDownLatch release, AtomicInteger fetches)
      throws java.io.IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext(
        "/td.json",
        exchange -> {
          try (exchange) {
            fetches.incrementAndGet();
            release.await(5, TimeUnit.MINUTES);
            byte[] body =
                ("{\"networkMode\":\"awsvpc\",\"cpu\":\"256\",\"memory\":\"512\","
                        + "\"containerDefinitions\":[{\"name\":\"flow\",\"memory\":512}]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
    return server;
  }

  private static List<String> scheduleRuns(DemoEnvironment env, int templatePort) {
    ObjectNode runConfig = JSON.createObjectNode();
    runConfig.put("type", "ECSRun");
    runConfig.put("image", "prefecthq/prefect:0.15.13-python3.9");
    runConfig.put("task_definition_path", "http://127.0.0.1:" + templatePort + "/td.json");
    runConfig.putArray("labels").add(DemoEnvironment.LABEL);
    String flow =
        env.prefect()
            .createFlow(
                "stranded", JSON.createObjectNode().put("type", "Local"), runConfig, "0.15.13");
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      runs.add(
          env.prefect()
              .createFlowRun(
                  flow, List.of(DemoEnvironment.LABEL), Instant.now().minusSeconds(1), runConfig));
    }
    return runs;
  }

  private static String log(DemoEnvironment env) {
    try {
      return env.agentLog();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
