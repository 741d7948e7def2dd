package io.github.prefectecs.agent.demo;

import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Ends the tasks of four submitted demo runs in different ways (moto's StopTask sets the stopped
 * reason but no stop code or exit code) and waits until the agent has told each run what happened:
 * a flow that reported Success keeps it, a task stopped by an operator fails its run, a run
 * cancelled in Prefect has its task stopped and becomes Cancelled, and a Spot interruption
 * relaunches the run on FARGATE.
 */
final class TaskEndings {
  static final String OPERATOR = "Stopped by an operator in the ECS console";
  static final String SPOT = "Your Spot Task was interrupted.";

  /** What was done to each run, in order: success, operator stop, cancel, Spot. */
  static Map<String, String> apply(DemoEnvironment env, List<String> runs) {
    Map<String, String> done = new LinkedHashMap<>();
    String success = runs.get(0);
    env.prefect()
        .setFlowRunState(
            success, PrefectStates.failed("All reference tasks succeeded.").put("type", "Success"));
    env.stopTask(taskOf(env, success).taskArn(), "Essential container in task exited");
    done.put(success, "flow reported Success, container exited 0");
    String operator = runs.get(1);
    env.stopTask(taskOf(env, operator).taskArn(), OPERATOR);
    done.put(operator, "StopTask by an operator");
    String cancelled = runs.get(2);
    env.prefect()
        .setFlowRunState(
            cancelled, PrefectStates.failed("Cancelled from the UI").put("type", "Cancelling"));
    done.put(cancelled, "cancelled in Prefect (Cancelling)");
    String spot = runs.get(3);
    env.stopTask(taskOf(env, spot).taskArn(), SPOT);
    done.put(spot, "Fargate Spot interruption");
    return done;
  }

  /** Whether every ending has been reported (the Spot run runs again, on FARGATE). */
  static boolean settled(DemoEnvironment env, List<String> runs) {
    return "Success".equals(env.prefect().flowRunState(runs.get(0)))
        && "Failed".equals(env.prefect().flowRunState(runs.get(1)))
        && "Cancelled".equals(env.prefect().flowRunState(runs.get(2)))
        && relaunchedOnFargate(env, runs.get(3));
  }

  static boolean relaunchedOnFargate(DemoEnvironment env, String run) {
    List<Task> tasks = env.tasksOf(run);
    return tasks.size() == 2
        && tasks.stream()
            .anyMatch(
                t ->
                    "RUNNING".equals(t.lastStatus()) && "FARGATE".equals(t.capacityProviderName()));
  }

  static void await(DemoEnvironment env, List<String> runs, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline) && !settled(env, runs) && env.agentAlive()) {
      LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
    }
  }

  private static Task taskOf(DemoEnvironment env, String run) {
    return env.tasksOf(run).get(0);
  }

  private TaskEndings() {}
}
