package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.demo.DemoEnvironment;
import io.github.prefectecs.agent.logs.EcsStreamLocator;
import io.github.prefectecs.agent.logs.StreamSource;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.support.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Plays the flow containers' output for the footprint benchmark: writes a few lines into the
 * CloudWatch stream of every task in the emulated cluster, as the awslogs driver would, so the
 * agent's log forwarding has real work during the measurement; counts what reached Prefect.
 */
final class FlowOutput {
  static final int LINES_PER_TASK = 5;
  private static final String MARK = "flow output line ";

  private FlowOutput() {}

  /** Writes {@link #LINES_PER_TASK} lines for each task; returns how many lines it wrote. */
  static int writeForEveryTask(DemoEnvironment env) throws Exception {
    List<Task> tasks = env.tasks();
    if (tasks.isEmpty()) {
      return 0;
    }
    Optional<StreamSource> source;
    try (EcsClient ecs = env.moto().ecs()) {
      source =
          new EcsStreamLocator(ecs, TokenBucket.system("ecs:DescribeTaskDefinition", 50, 20))
              .locate(tasks.get(0).taskDefinitionArn());
    }
    if (source.isEmpty()) {
      throw new IllegalStateException("the flow task definition has no awslogs driver");
    }
    StreamSource streams = source.get();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (CloudWatchLogsClient logs = env.moto().logs()) {
      List<Future<?>> writes = new ArrayList<>();
      for (Task task : tasks) {
        writes.add(pool.submit(() -> write(logs, streams, task)));
      }
      for (Future<?> write : writes) {
        write.get();
      }
    } finally {
      pool.shutdown();
    }
    return tasks.size() * LINES_PER_TASK;
  }

  private static void write(CloudWatchLogsClient logs, StreamSource streams, Task task) {
    String stream = streams.streamOf(task.taskArn());
    logs.createLogStream(b -> b.logGroupName(streams.group()).logStreamName(stream));
    long now = System.currentTimeMillis();
    List<InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < LINES_PER_TASK; i++) {
      events.add(
          InputLogEvent.builder()
              .timestamp(now - LINES_PER_TASK + 1 + i)
              .message(MARK + i + " of run " + task.startedBy())
              .build());
    }
    logs.putLogEvents(b -> b.logGroupName(streams.group()).logStreamName(stream).logEvents(events));
  }

  /** Lines written by {@link #writeForEveryTask} that the agent forwarded into run logs. */
  static int forwarded(PrefectServerDouble prefect, List<String> runIds) {
    int n = 0;
    for (String run : runIds) {
      n += (int) prefect.logs(run).stream().filter(l -> l.message().startsWith(MARK)).count();
    }
    return n;
  }
}
