package io.github.prefectecs.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.Agent;
import io.github.prefectecs.agent.AgentAssembly;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.testsupport.Eventually;
import io.github.prefectecs.agent.testsupport.RecordingLauncher;
import io.github.prefectecs.agent.testsupport.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The API misbehaves (down, 500s, 429s, garbage): the agent keeps going, loses and duplicates
 * nothing, and its health endpoint says so.
 */
@Timeout(180)
class ApiResilienceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private PrefectServerDouble server;
  private Agent agent;
  private final RecordingLauncher launcher = new RecordingLauncher();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    server = PrefectServerDouble.start();
    AgentConfig config = TestConfigs.server(server.uri(), List.of("dev"));
    agent =
        AgentAssembly.builder(config)
            .api(GraphqlPrefectApi.create(config))
            .launcher(tenant -> launcher)
            .clock(Clock.systemUTC())
            .build();
    agent.start();
    Eventually.until(WAIT, "healthy", () -> agent.health().status().healthy());
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
  }

  @Test
  void survivesThirtySecondsOfDowntime() throws Exception {
    List<String> before = createRuns(5);
    Eventually.until(
        WAIT, "first runs launched", () -> launcher.launchedRuns().containsAll(before));

    server.setDown(true);
    Instant downSince = Instant.now();
    List<String> during = createRuns(5);
    Eventually.until(WAIT, "health turns 503", () -> healthStatus() == 503);
    assertThat(healthBody()).contains("Prefect API");
    Eventually.until(
        Duration.ofSeconds(40),
        "30 s of downtime",
        () -> Duration.between(downSince, Instant.now()).getSeconds() >= 30);
    server.setDown(false);

    Eventually.until(WAIT, "health back to 200", () -> healthStatus() == 200);
    Eventually.until(
        WAIT,
        "runs created during the outage launched",
        () -> launcher.launchedRuns().containsAll(during));
    assertExactlyOnce(before, during);
  }

  @Test
  void survivesServerErrors() throws Exception {
    survives(s -> s.failNextRequests(12, 500));
  }

  @Test
  void survivesRateLimiting() throws Exception {
    survives(s -> s.failNextRequestsWith429(8, 1));
  }

  @Test
  void survivesGarbageAnswers() throws Exception {
    survives(s -> s.garbageNextRequests(8));
  }

  private void survives(Consumer<PrefectServerDouble> fault) throws Exception {
    fault.accept(server);
    List<String> runs = createRuns(10);
    agent.poke();
    Eventually.until(WAIT, "all runs launched", () -> launcher.launchedRuns().containsAll(runs));
    Eventually.until(WAIT, "healthy again", () -> healthStatus() == 200);
    assertExactlyOnce(runs);
  }

  @SafeVarargs
  private void assertExactlyOnce(List<String>... groups) {
    List<String> all = new ArrayList<>();
    for (List<String> g : groups) {
      all.addAll(g);
    }
    Eventually.until(
        WAIT, "Submitted logs on every run", () -> all.stream().allMatch(this::logged));
    assertThat(launcher.launches()).doesNotHaveDuplicates().containsAll(all);
    for (String run : all) {
      assertThat(server.flowRunState(run)).as("state of %s", run).isEqualTo("Submitted");
      // Logs are delivered at least once: a batch whose answer was cut off (the API went down
      // mid-response) is sent again, so a line may appear twice, but always about one task.
      assertThat(server.logs(run))
          .filteredOn(l -> l.message().startsWith("Submitted for execution"))
          .as("Submitted logs of %s", run)
          .isNotEmpty()
          .extracting(l -> l.message())
          .containsOnly(
              server.logs(run).stream()
                  .filter(l -> l.message().startsWith("Submitted for execution"))
                  .findFirst()
                  .orElseThrow()
                  .message());
      assertThat(
              server.flowRunStateHistory(run).stream()
                  .filter(s -> s.path("type").asText().equals("Submitted")))
          .as("Submitted states of %s", run)
          .hasSize(1);
    }
  }

  private boolean logged(String run) {
    return server.logs(run).stream()
        .anyMatch(l -> l.message().startsWith("Submitted for execution"));
  }

  private List<String> createRuns(int n) {
    String flow = server.createFlow("etl");
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      runs.add(server.createFlowRun(flow, List.of("dev"), Instant.now().minusSeconds(1)));
    }
    return runs;
  }

  private int healthStatus() {
    try {
      return http.send(healthRequest(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private String healthBody() throws Exception {
    return http.send(healthRequest(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private HttpRequest healthRequest() {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + agent.healthPort() + "/api/health"))
        .build();
  }
}
