package io.github.prefectecs.agent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.testsupport.CloudWatchFront;
import io.github.prefectecs.agent.testsupport.CloudWatchFront.Semantics;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The built jar forwards its tasks' CloudWatch lines across its own restarts: lines written before
 * a SIGTERM, while no agent runs, after a restart with the same name, before a kill -9 (some of
 * them read but not yet written) and after the next restart each reach their run once, in order; a
 * task stopped while the agent was down gets its lines too. CloudWatch Logs is moto behind {@link
 * CloudWatchFront}, which refuses reads naming a missing stream as CloudWatch does.
 */
@Timeout(400)
class AgentRestartLogsIT {
  private static final String GROUP = "/prefect/flow-runs";
  private static final String LOGGER = "prefect.ecs-agent.cloudwatch";
  private final Map<String, List<String>> printed = new HashMap<>();

  static List<Semantics> semantics() {
    return CloudWatchFront.selected();
  }

  private void print(CloudWatchLogsClient logs, Task task, String line) {
    String stream = "prefect/flow/" + task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
    long now = System.currentTimeMillis();
    logs.putLogEvents(
        b ->
            b.logGroupName(GROUP)
                .logStreamName(stream)
                .logEvents(InputLogEvent.builder().timestamp(now).message(line).build()));
    printed.computeIfAbsent(task.startedBy(), r -> new ArrayList<>()).add(line);
  }

  private static List<String> forwarded(DemoEnvironment env, String run) {
    // As Prefect shows them: by timestamp (one wave's requests may be applied in either order).
    return env.prefect().logs(run).stream()
        .filter(l -> l.name().equals(LOGGER) && l.level().equals("INFO"))
        .sorted(java.util.Comparator.comparing(LogRecord::timestamp))
        .map(LogRecord::message)
        .toList();
  }

  private boolean allArrived(DemoEnvironment env) {
    return printed.entrySet().stream()
        .allMatch(e -> forwarded(env, e.getKey()).size() >= e.getValue().size());
  }

  private void awaitAll(DemoEnvironment env, String what) {
    Eventually.until(
        Duration.ofSeconds(90),
        () -> what + "; agent log:\n" + log(env),
        () -> allArrived(env) || !env.agentAlive());
    assertThat(env.agentAlive()).as("agent alive; log:\n%s", log(env)).isTrue();
  }

  @ParameterizedTest
  @MethodSource("semantics")
  void linesBeforeDuringAndAfterASigtermAndAKillReachTheirRunOnce(Semantics semantics)
      throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    try (DemoEnvironment env = DemoEnvironment.start();
        CloudWatchFront front = CloudWatchFront.of(env.moto().endpoint()).semantics(semantics);
        CloudWatchLogsClient logs = env.moto().logs()) {
      env.agentEnvironment("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", front.endpoint().toString());
      List<String> runs = env.scheduleRuns(3);
      env.startAgent(jar);
      Eventually.until(
          Duration.ofSeconds(120),
          () -> "every run submitted; agent log:\n" + log(env),
          () -> env.allSubmitted() || !env.agentAlive());
      Eventually.until(
          Duration.ofSeconds(30),
          "the log group created by the agent",
          () -> !logs.describeLogGroups(b -> b.logGroupNamePrefix(GROUP)).logGroups().isEmpty());
      List<Task> tasks = runs.stream().map(r -> env.tasksOf(r).get(0)).toList();
      for (Task task : tasks) {
        String stream =
            "prefect/flow/" + task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
        logs.createLogStream(b -> b.logGroupName(GROUP).logStreamName(stream));
        print(logs, task, "before the stop " + task.startedBy());
      }
      awaitAll(env, "lines before SIGTERM");

      assertThat(env.stopAgent(Duration.ofSeconds(60))).isZero(); // SIGTERM
      for (Task task : tasks) {
        print(logs, task, "while no agent runs " + task.startedBy());
      }
      env.stopTask(tasks.get(2).taskArn(), "Essential container in task exited");
      env.startAgent(jar);
      awaitAll(env, "lines written while no agent ran");

      for (Task task : tasks.subList(0, 2)) {
        print(logs, task, "just before kill -9 " + task.startedBy());
      }
      Thread.sleep(700); // read by the agent (or not): either way, once
      env.killAgent();
      for (Task task : tasks.subList(0, 2)) {
        print(logs, task, "while killed " + task.startedBy());
      }
      env.startAgent(jar);
      awaitAll(env, "lines written around kill -9");
      Thread.sleep(3_000); // more sweeps: nothing may come twice

      for (String run : runs) {
        assertThat(forwarded(env, run))
            .as("lines of run %s", run)
            .containsExactlyElementsOf(printed.get(run));
      }
      assertThat(env.stopAgent(Duration.ofSeconds(60))).isZero();
      assertThat(env.agentLog()).contains("Agent stopped").doesNotContain("Exception");
    }
  }

  private static String log(DemoEnvironment env) {
    try {
      return env.agentLog();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
