package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.watch.EcsTasks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * Lists the cluster's live tasks once at start-up and maps each task this agent started (its {@code
 * prefect:agent} tag names this agent) to its flow run: from the {@code prefect:flow-run-id} tag,
 * else a {@code startedBy} that is a flow run id. Tasks of other agents sharing the cluster are
 * left alone.
 */
final class RunningTasks {
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final int BATCH = 100;

  private RunningTasks() {}

  /** Flow run id to task ARN of every task of agent {@code agentName} not stopped or stopping. */
  static Map<String, String> list(
      EcsClient ecs, EcsRateLimits limits, String cluster, String agentName) {
    List<String> arns = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      ListTasksResponse page =
          EcsCalls.call(
              () ->
                  ecs.listTasks(
                      r -> r.cluster(cluster).desiredStatus(DesiredStatus.RUNNING).nextToken(next)),
              limits.clusterRead());
      arns.addAll(page.taskArns());
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    Map<String, String> running = new HashMap<>();
    for (int from = 0; from < arns.size(); from += BATCH) {
      List<String> batch = arns.subList(from, Math.min(arns.size(), from + BATCH));
      List<Task> tasks =
          EcsCalls.call(
                  () ->
                      ecs.describeTasks(
                          r -> r.cluster(cluster).tasks(batch).include(TaskField.TAGS)),
                  limits.clusterRead())
              .tasks();
      for (Task task : tasks) {
        String runId = flowRunId(task);
        if (runId != null && isLive(task) && startedBy(task, agentName)) {
          running.put(runId, task.taskArn());
        }
      }
    }
    return running;
  }

  /**
   * Every task of {@code cluster} started by {@code startedBy} (ListTasks, live then stopped, then
   * DescribeTasks with tags), each once.
   */
  static List<Task> startedBy(
      EcsClient ecs, EcsRateLimits limits, String cluster, String startedBy) {
    java.util.Set<String> arns = new java.util.LinkedHashSet<>();
    for (DesiredStatus status : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
      String token = null;
      do {
        String next = token;
        ListTasksResponse page =
            EcsCalls.call(
                () ->
                    ecs.listTasks(
                        r ->
                            r.cluster(cluster)
                                .startedBy(startedBy)
                                .desiredStatus(status)
                                .nextToken(next)),
                limits.clusterRead());
        arns.addAll(page.taskArns());
        token = page.nextToken();
      } while (token != null && !token.isEmpty());
    }
    List<String> all = List.copyOf(arns);
    List<Task> tasks = new ArrayList<>();
    for (int from = 0; from < all.size(); from += BATCH) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
      tasks.addAll(
          EcsCalls.call(
                  () ->
                      ecs.describeTasks(
                          r -> r.cluster(cluster).tasks(batch).include(TaskField.TAGS)),
                  limits.clusterRead())
              .tasks());
    }
    return tasks;
  }

  /** The launch attempt a task's tags name, or null. */
  static RunAttempt attemptOf(Task task) {
    Map<String, String> tags = new HashMap<>();
    task.tags().forEach(t -> tags.put(t.key(), t.value()));
    return TaskTags.attemptOf(tags);
  }

  // ListTasks' desiredStatus filter is not trusted (emulators ignore it): read the task itself.
  static boolean isLive(Task task) {
    return "RUNNING".equals(task.desiredStatus()) && !"STOPPED".equals(task.lastStatus());
  }

  /** Whether {@code arn} is still a live task (one DescribeTasks call). */
  static boolean alive(EcsClient ecs, EcsRateLimits limits, String cluster, String arn) {
    Task task = describe(ecs, limits, cluster, arn);
    return task != null && isLive(task);
  }

  /**
   * The task {@code arn} (one DescribeTasks call in the cluster its ARN names, else {@code
   * cluster}); null when ECS no longer knows it.
   */
  static Task describe(EcsClient ecs, EcsRateLimits limits, String cluster, String arn) {
    String in = EcsTasks.clusterOf(arn, cluster);
    List<Task> tasks =
        EcsCalls.call(() -> ecs.describeTasks(r -> r.cluster(in).tasks(arn)), limits.clusterRead())
            .tasks();
    return tasks.stream().filter(t -> arn.equals(t.taskArn())).findFirst().orElse(null);
  }

  /** StopTask {@code arn} with {@code reason} (cut to ECS's 255 characters). */
  static void stop(EcsClient ecs, EcsRateLimits limits, String cluster, String arn, String reason) {
    String in = EcsTasks.clusterOf(arn, cluster);
    String cut = reason.length() > 255 ? reason.substring(0, 255) : reason;
    EcsCalls.call(() -> ecs.stopTask(r -> r.cluster(in).task(arn).reason(cut)), limits.runTask());
  }

  static boolean startedBy(Task task, String agentName) {
    String expected = agentName == null || agentName.isEmpty() ? "-" : agentName;
    return task.tags().stream()
        .anyMatch(t -> TaskTags.AGENT.equals(t.key()) && expected.equals(t.value()));
  }

  static String flowRunId(Task task) {
    for (var tag : task.tags()) {
      if (TaskTags.FLOW_RUN_ID.equals(tag.key()) && tag.value() != null) {
        return tag.value();
      }
    }
    String startedBy = task.startedBy();
    return startedBy != null && UUID.matcher(startedBy).matches() ? startedBy : null;
  }
}
