package io.github.prefectecs.agent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The built jar, as its own process configured by environment variables only, against the moto AWS
 * emulator and the Prefect Server double: runs go from Scheduled to Submitted, each gets one task
 * in the cluster traceable to it, and SIGTERM stops the agent with exit code 0.
 */
@Timeout(240)
class EndToEndIT {

  @Test
  void scheduledRunsBecomeTasksInTheClusterAndTheAgentStopsCleanly() throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    try (DemoEnvironment env = DemoEnvironment.start()) {
      List<String> runs = env.scheduleRuns(4);
      env.startAgent(jar);

      Eventually.until(
          Duration.ofSeconds(120),
          () -> "every run submitted; agent log:\n" + safeLog(env),
          () -> env.allSubmitted() || !env.agentAlive());
      assertThat(env.agentAlive()).as("agent still running; log:\n%s", safeLog(env)).isTrue();

      List<Task> tasks = env.tasks();
      assertThat(tasks).hasSize(runs.size());
      assertThat(tasks.stream().map(Task::startedBy).collect(Collectors.toSet()))
          .containsExactlyInAnyOrderElementsOf(runs);
      for (Task task : tasks) {
        assertThat(task.capacityProviderName()).isIn("FARGATE_SPOT", "FARGATE");
        assertThat(task.tags()).anySatisfy(t -> assertThat(t.value()).isEqualTo(task.startedBy()));
        assertThat(env.prefect().flowRunState(task.startedBy())).isEqualTo("Submitted");
        assertThat(env.prefect().logs(task.startedBy()))
            .anySatisfy(
                l ->
                    assertThat(l.message())
                        .startsWith(
                            "Submitted for execution: Task " + task.taskArn() + " ECS console: "));
      }

      assertThat(env.stopAgent(Duration.ofSeconds(60))).isZero();
      assertThat(env.agentLog()).contains("Agent stopped").doesNotContain("Exception");
    }
  }

  private static String safeLog(DemoEnvironment env) {
    try {
      return env.agentLog();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
