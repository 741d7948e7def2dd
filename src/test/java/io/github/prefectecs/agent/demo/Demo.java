package io.github.prefectecs.agent.demo;

import io.github.prefectecs.agent.world.AgentWithFlows;
import io.github.prefectecs.agent.world.Fault;
import io.github.prefectecs.agent.world.FlowWorld;
import io.github.prefectecs.agent.world.RunnerSettings;
import io.github.prefectecs.agent.world.TaskView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code scripts/demo}: the built agent jar runs real flows with no AWS account and no Prefect
 * Server. Prefect 0.15.13 registers three flows with the project's Prefect Server double the way
 * users do; the agent starts an ECS task per run in moto's emulated cluster, and the test world's
 * ECS front runs each task's flow container as a local process: Prefect's own {@code prefect
 * execute flow-run}, its output in CloudWatch (moto), forwarded by the agent into the run's logs. A
 * few hello runs succeed, one run's task fails, and a long run is interrupted as Fargate Spot would
 * interrupt it and relaunched on FARGATE. Prints what happens as it happens, then a table, then
 * what each run cost and what Spot saved ({@link CostSummary}). Argument: how many hello runs (3).
 */
public final class Demo {
  private static final Duration TIMEOUT = Duration.ofSeconds(240);
  private static final Instant T0 = Instant.now();

  private Demo() {}

  /** One demo run: its flow and the final state it should reach. */
  private record Planned(String id, String flow, String expected) {}

  public static void main(String[] args) throws Exception {
    int hellos = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path dir = Files.createTempDirectory("prefect-ecs-demo");
    RunnerSettings settings =
        RunnerSettings.forTests(dir.resolve("tasks"))
            .withLifecycle(
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10));
    say("Starting moto, the ECS front, the Prefect Server double; registering flows ...");
    int exit = demo(dir, settings, hellos);
    // After everything is closed: System.exit would skip the close of a try-with-resources.
    System.exit(exit);
  }

  private static int demo(Path dir, RunnerSettings settings, int hellos) throws Exception {
    try (AgentWithFlows flows =
        AgentWithFlows.start(
            Path.of("target", "agent.jar"),
            dir,
            settings,
            "hello.py",
            "failing.py",
            "long_task.py")) {
      // Ctrl-C: stop moto, the agent and the flow processes too.
      Thread closer = new Thread(flows::close, "demo-close");
      Runtime.getRuntime().addShutdownHook(closer);
      FlowWorld world = flows.world();
      System.out.printf(
          "  moto (EC2, CloudWatch Logs; ECS behind the front) %s%n"
              + "  ECS front %s: runs each task's containers as local processes%n"
              + "  Prefect Server double %s%n"
              + "  flows hello, failing, long-task registered with prefect 0.15.13's"
              + " flow.register(), label %s%n"
              + "  java -jar target/agent.jar ecs start, configured by environment variables%n",
          world.moto().endpoint(),
          world.front().endpoint(),
          world.prefect().uri(),
          FlowWorld.LABEL);
      List<Planned> runs = new ArrayList<>();
      for (int i = 0; i < hellos; i++) {
        runs.add(new Planned(flows.run("hello", null), "hello", "Success"));
      }
      runs.add(new Planned(flows.run("failing", null), "failing", "Failed"));
      String marker = dir.resolve("long-task-marker").toString();
      Planned spot =
          new Planned(
              flows.run("long-task", Map.of("seconds", 20, "marker", marker)),
              "long-task",
              "Success");
      runs.add(spot);
      say("Created " + runs.size() + " flow runs (Client.create_flow_run); watching them:");

      watch(flows, runs, spot.id());
      table(flows, runs);
      CostSummary.print(
          flows,
          runs.stream().map(r -> new CostSummary.Run(r.id(), r.flow())).toList(),
          Duration.ofSeconds(60));
      int exit = flows.agent().stop(Duration.ofSeconds(60));
      say("Sent SIGTERM to the agent; it exited with code " + exit);
      long wrong = runs.stream().filter(r -> !ended(flows, r)).count();
      if (wrong > 0) {
        System.out.printf(
            "%d of %d runs did not end as they should (see the table); agent log: %s%n",
            wrong, runs.size(), world.workDir().resolve("agent").resolve("agent.log"));
        return 1;
      }
      System.out.println("Every run ended as it should.");
      return 0;
    }
  }

  private static boolean ended(AgentWithFlows flows, Planned run) {
    return run.expected().equals(flows.prefect().flowRunState(run.id()));
  }

  /**
   * Prints state changes and forwarded lines as they happen, interrupts the long run's first task
   * as Spot once it is at work, until every run has finished or the timeout.
   */
  private static void watch(AgentWithFlows flows, List<Planned> runs, String spotRun) {
    Map<String, String> states = new LinkedHashMap<>();
    Map<String, Integer> lines = new LinkedHashMap<>();
    boolean interrupted = false;
    Instant deadline = Instant.now().plus(TIMEOUT);
    while (Instant.now().isBefore(deadline) && flows.agent().alive()) {
      for (Planned run : runs) {
        String state = flows.prefect().flowRunState(run.id());
        String before = states.put(run.id(), state);
        if (!state.equals(before)) {
          say(label(run) + (before == null ? "" : before + " -> ") + state);
        }
        List<String> forwarded = flows.forwarded(run.id());
        for (int i = lines.getOrDefault(run.id(), 0); i < forwarded.size(); i++) {
          say(label(run) + "  | " + firstLine(forwarded.get(i)));
        }
        lines.put(run.id(), forwarded.size());
      }
      if (!interrupted) {
        interrupted = interruptWhenAtWork(flows, spotRun);
      }
      if (runs.stream().allMatch(r -> flows.finished(r.id()))) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    say("Stopped watching after " + TIMEOUT.toSeconds() + " s; not every run has finished.");
  }

  private static boolean interruptWhenAtWork(AgentWithFlows flows, String run) {
    List<TaskView> tasks = flows.front().tasksOf(run);
    if (tasks.size() != 1
        || !flows
            .front()
            .output(tasks.get(0).taskArn(), "flow")
            .contains("working: 3 of 20 seconds")) {
      return false;
    }
    TaskView task = tasks.get(0);
    say(
        String.format(
            "%-21s Fargate Spot reclaims task %s (%s): SIGTERM now, SIGKILL after 10 s",
            run.substring(0, 8) + " long-task",
            task.taskId().substring(0, 8),
            task.capacityProvider()));
    flows.front().inject(task.taskArn(), Fault.spotInterruption());
    return true;
  }

  private static void table(AgentWithFlows flows, List<Planned> runs) {
    System.out.printf(
        "%n%-8s  %-9s  %-9s  %-56s  %9s  %s%n",
        "run",
        "flow",
        "state",
        "tasks: capacity, stop code (if not exited), exit",
        "forwarded",
        "message");
    for (Planned run : runs) {
      List<String> tasks = new ArrayList<>();
      for (TaskView t : flows.front().tasksOf(run.id())) {
        Integer exit = t.container("flow").exitCode();
        String code = t.stopCode() == null ? " " + t.lastStatus() : " " + t.stopCode();
        tasks.add(
            t.capacityProvider()
                + ("EssentialContainerExited".equals(t.stopCode()) ? "" : code)
                + (exit == null ? "" : " exit " + exit));
      }
      String state = flows.prefect().flowRunState(run.id());
      System.out.printf(
          "%-8s  %-9s  %-9s  %-56s  %9d  %s%n",
          run.id().substring(0, 8),
          run.flow(),
          state + (state.equals(run.expected()) ? "" : "!"),
          tasks.size() + ": " + String.join(", ", tasks),
          flows.forwarded(run.id()).size(),
          firstLine(cause(flows, run.id())));
    }
    System.out.println("\nStates each run went through:");
    for (Planned run : runs) {
      System.out.printf(
          "  %s %-9s %s%n",
          run.id().substring(0, 8), run.flow(), String.join(" -> ", flows.history(run.id())));
    }
    runs.stream()
        .filter(r -> !r.expected().equals(flows.prefect().flowRunState(r.id())))
        .forEach(
            r ->
                System.out.printf(
                    "! %s %s should have ended %s; it is %s: %s%n",
                    r.id().substring(0, 8),
                    r.flow(),
                    r.expected(),
                    flows.prefect().flowRunState(r.id()),
                    flows.message(r.id())));
  }

  /** The run's message, with the failed task run's own message when the run failed. */
  private static String cause(AgentWithFlows flows, String run) {
    String message = flows.message(run);
    return flows.prefect().taskRuns(run).stream()
        .filter(t -> "Failed".equals(t.state()))
        .findFirst()
        .map(t -> message + " (" + t.taskName() + ": " + t.stateMessage() + ")")
        .orElse(message);
  }

  private static String label(Planned run) {
    return String.format("%-21s ", run.id().substring(0, 8) + " " + run.flow());
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl) + " ...";
  }

  private static void say(String line) {
    long ms = Duration.between(T0, Instant.now()).toMillis();
    System.out.printf("[%3d.%d s] %s%n", ms / 1000, ms % 1000 / 100, line);
  }
}
