package io.github.prefectecs.agent.demo;

import io.github.prefectecs.agent.prefect.server.LogRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * {@code scripts/demo}: runs the built agent against the moto AWS emulator and the Prefect Server
 * double: checks the set-up with {@code ecs check}, then prints the flow runs going from Scheduled
 * to Submitted and their ECS tasks; then ends four of the tasks in different ways and prints what
 * the agent made of each run, and the agent's Prometheus metrics.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path jar = Path.of("target", "agent.jar");
    try (DemoEnvironment env = DemoEnvironment.start()) {
      System.out.printf(
          "moto AWS emulator at %s, cluster %s with FARGATE and FARGATE_SPOT%n",
          env.moto().endpoint(), DemoEnvironment.CLUSTER);
      System.out.printf("Prefect Server double at %s%n", env.prefect().uri());
      List<String> ids = env.scheduleRuns(runs);
      System.out.printf(
          "Scheduled %d flow runs with label %s%n", ids.size(), DemoEnvironment.LABEL);
      printRuns(env);
      DemoEnvironment.CheckRun check = env.check(jar);
      System.out.printf(
          "%njava -jar target/agent.jar ecs check (same env) exited with %d:%n%s",
          check.exitCode(), check.output().indent(2));
      env.startAgent(jar);
      System.out.println("Started: java -jar target/agent.jar ecs start (configured by env)");
      Instant deadline = Instant.now().plusSeconds(90);
      while (Instant.now().isBefore(deadline) && !allSubmitted(env) && env.agentAlive()) {
        LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
      }
      printRuns(env);
      System.out.println("\nTasks in the emulated cluster:");
      for (Task task : env.tasks()) {
        System.out.printf(
            "  %s  startedBy=%s  %s  capacityProvider=%s%n",
            task.taskArn(), task.startedBy(), task.lastStatus(), task.capacityProviderName());
      }
      boolean forwarded = LogsDemo.run(env, env.tasks());
      if (ids.size() >= 4 && allSubmitted(env)) {
        System.out.println("\nEnding four tasks in different ways:");
        Map<String, String> done = TaskEndings.apply(env, ids);
        done.forEach((id, what) -> System.out.printf("  %s  %s%n", id, what));
        TaskEndings.await(env, ids, Duration.ofSeconds(150));
        System.out.println("\nWhat the agent told each run (state and message):");
        for (String id : done.keySet()) {
          System.out.printf(
              "  %s  %-10s %s%n",
              id,
              env.prefect().flowRunState(id),
              env.prefect().flowRunSerializedState(id).path("message").asText());
          for (Task task : env.tasksOf(id)) {
            System.out.printf(
                "      task %s  %s  capacityProvider=%s  stoppedReason=%s%n",
                task.taskArn(),
                task.lastStatus(),
                task.capacityProviderName(),
                task.stoppedReason());
          }
        }
        System.out.println(
            "  (stop codes and exit codes such as an OOM kill, exit 137, need a real ECS or the"
                + " unit tests' fake: moto's StopTask sets neither)");
      }
      System.out.println("\nFrom GET /metrics:");
      printMetrics(env.healthPort());
      int exit = env.stopAgent(Duration.ofSeconds(60));
      System.out.printf("%nSent SIGTERM to the agent; it exited with code %d%n", exit);
      System.out.println("\nAgent log:\n" + env.agentLog());
      if (!allSubmitted(env)) {
        System.out.println("Not every run was submitted; see the agent log above.");
        System.exit(1);
      }
      if (!forwarded) {
        System.out.println("Not every task's lines reached its run's Prefect logs.");
        System.exit(1);
      }
    }
  }

  public static boolean allSubmitted(DemoEnvironment env) {
    return env.runIds().stream()
        .allMatch(
            id ->
                env.prefect().logs(id).stream()
                    .anyMatch(l -> l.message().startsWith("Submitted for execution")));
  }

  private static void printRuns(DemoEnvironment env) {
    System.out.println("\nFlow runs:");
    for (String id : env.runIds()) {
      String log =
          env.prefect().logs(id).stream().map(LogRecord::message).reduce((a, b) -> b).orElse("");
      System.out.printf("  %s  %-10s %s%n", id, env.prefect().flowRunState(id), log);
    }
  }

  private static void printMetrics(int port) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      response
          .body()
          .lines()
          .filter(l -> l.startsWith("prefect_ecs_agent_") && !l.contains("_bucket{"))
          .forEach(l -> System.out.println("  " + l));
    } catch (java.io.IOException e) {
      System.out.println("  cannot scrape /metrics: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
