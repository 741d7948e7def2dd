package io.github.prefectecs.agent.demo;

import io.github.prefectecs.agent.logs.EcsStreamLocator;
import io.github.prefectecs.agent.logs.StreamSource;
import io.github.prefectecs.agent.prefect.server.LogRecord;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * The log forwarding part of {@code scripts/demo}: writes a few lines into each demo task's
 * CloudWatch stream (named as the agent's rendered task definition names it) and prints them as
 * they appear in the runs' Prefect logs, forwarded by the agent (its task watcher reports each task
 * to its log forwarder). The first task prints a crash's traceback.
 */
final class LogsDemo {
  private static final DateTimeFormatter PREFECT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS").withZone(ZoneOffset.UTC);

  private LogsDemo() {}

  static boolean run(DemoEnvironment env, List<Task> tasks) {
    try (CloudWatchLogsClient cloudWatch = env.moto().logs();
        EcsClient ecs = env.moto().ecs()) {
      boolean created =
          cloudWatch
              .describeLogGroups(b -> b.logGroupNamePrefix("/prefect/flow-runs"))
              .logGroups()
              .stream()
              .anyMatch(g -> g.logGroupName().equals("/prefect/flow-runs"));
      System.out.printf(
          "%nLog group /prefect/flow-runs created by the agent at start-up: %s%n",
          created ? "yes" : "no");
      if (!created) {
        cloudWatch.createLogGroup(b -> b.logGroupName("/prefect/flow-runs"));
      }
      EcsStreamLocator locator =
          new EcsStreamLocator(ecs, TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20));
      List<String> runs = new ArrayList<>();
      try {
        for (int i = 0; i < tasks.size(); i++) {
          Task task = tasks.get(i);
          String run = task.startedBy();
          runs.add(run);
          Optional<StreamSource> source = locator.locate(task.taskDefinitionArn());
          if (source.isEmpty()) {
            System.out.printf("  %s: its definition has no awslogs driver%n", task.taskArn());
            continue;
          }
          String stream = source.get().streamOf(task.taskArn());
          System.out.printf("Writing into %s %s (run %s)%n", source.get().group(), stream, run);
          write(cloudWatch, source.get().group(), stream, lines(run, i == 0));
        }
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline) && !arrived(env, runs)) {
          LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
      } finally {
        System.out.println("(forwarded by the agent: its task watcher reports each task to it)");
      }
      System.out.println("\nRun logs in Prefect (the agent's own lines and the forwarded ones):");
      for (String run : runs) {
        System.out.printf("  run %s%n", run);
        for (LogRecord log : env.prefect().logs(run)) {
          System.out.printf(
              "    %-5s %-30s %s%n",
              log.level(), log.name(), log.message().replace("\n", "\n      | "));
        }
      }
      return arrived(env, runs);
    }
  }

  private static List<String> lines(String run, boolean crash) {
    String now = PREFECT_TIME.format(Instant.now());
    List<String> lines = new ArrayList<>();
    lines.add("Installing requirements for run " + run);
    lines.add(
        "["
            + now
            + "] INFO - prefect.CloudFlowRunner | Beginning Flow run (sent by Prefect itself, not forwarded)");
    if (crash) {
      lines.add("Traceback (most recent call last):");
      lines.add("  File \"/opt/flow.py\", line 1, in <module>");
      lines.add("ModuleNotFoundError: No module named 'pandas'");
    } else {
      lines.add("Hello from the flow container of run " + run);
    }
    return lines;
  }

  private static void write(
      CloudWatchLogsClient cw, String group, String stream, List<String> lines) {
    cw.createLogStream(b -> b.logGroupName(group).logStreamName(stream));
    long now = System.currentTimeMillis();
    List<InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      events.add(
          InputLogEvent.builder()
              .timestamp(now - lines.size() + 1 + i)
              .message(lines.get(i))
              .build());
    }
    cw.putLogEvents(b -> b.logGroupName(group).logStreamName(stream).logEvents(events));
  }

  private static boolean arrived(DemoEnvironment env, List<String> runs) {
    for (int i = 0; i < runs.size(); i++) {
      List<LogRecord> logs = env.prefect().logs(runs.get(i));
      boolean has =
          logs.stream()
              .anyMatch(
                  l ->
                      l.message().startsWith("Hello from the flow")
                          || l.message().contains("No module named"));
      if (!has) {
        return false;
      }
    }
    return true;
  }
}
