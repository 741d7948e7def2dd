package io.github.prefectecs.agent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.testsupport.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The built jar watches its tasks to their end and tells each run what happened. */
@Timeout(400)
class EndToEndWatchIT {

  @Test
  void theJarReportsEachWayATaskEnds() throws Exception {
    Path jar = Path.of("target", "agent.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    try (DemoEnvironment env = DemoEnvironment.start()) {
      List<String> runs = env.scheduleRuns(5);
      env.startAgent(jar);
      Eventually.until(
          Duration.ofSeconds(120),
          () -> "every run submitted; agent log:\n" + log(env),
          () -> env.allSubmitted() || !env.agentAlive());

      TaskEndings.apply(env, runs);
      Eventually.until(
          Duration.ofSeconds(240),
          () -> "every ending reported; agent log:\n" + log(env),
          () -> TaskEndings.settled(env, runs) || !env.agentAlive());

      String operatorArn = env.tasksOf(runs.get(1)).get(0).taskArn();
      assertThat(env.prefect().flowRunSerializedState(runs.get(1)).path("message").asText())
          .contains(operatorArn, TaskEndings.OPERATOR);
      assertThat(env.prefect().logs(runs.get(1)))
          .anySatisfy(l -> assertThat(l.level()).isEqualTo("ERROR"));
      assertThat(env.tasksOf(runs.get(2)).get(0).stoppedReason()).contains("cancelled");
      assertThat(env.prefect().logs(runs.get(3)))
          .anySatisfy(
              l -> assertThat(l.message()).contains("Fargate Spot", "relaunching on FARGATE"));
      assertThat(env.prefect().flowRunState(runs.get(4))).isEqualTo("Submitted");
      assertThat(env.prefect().logs(runs.get(0)))
          .noneSatisfy(l -> assertThat(l.level()).isEqualTo("ERROR"));

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
