package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.watch.EcsTasks;
import io.github.prefectecs.agent.watch.EcsTasksException;
import io.github.prefectecs.agent.watch.ObservedTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Attribute;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * {@link EcsTasks} over the AWS SDK: DescribeTasks and ListTasks wait on the shared cluster-read
 * bucket, StopTask on the cluster-modify bucket it shares with RunTask (ECS quotas).
 *
 * <p>Thread-safe; the client belongs to the caller.
 */
public final class SdkEcsTasks implements EcsTasks {
  /** The task attribute that names a Fargate task's CPU architecture ({@code x86_64}, ...). */
  static final String CPU_ARCHITECTURE = "ecs.cpu-architecture";

  private final EcsClient ecs;
  private final EcsRateLimits limits;

  public SdkEcsTasks(EcsClient ecs, EcsRateLimits limits) {
    this.ecs = Objects.requireNonNull(ecs, "ecs");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public Described describe(String cluster, List<String> taskArns) {
    if (taskArns.size() > MAX_DESCRIBE) {
      throw new IllegalArgumentException(
          "DescribeTasks takes at most " + MAX_DESCRIBE + " tasks, got " + taskArns.size());
    }
    if (taskArns.isEmpty()) {
      return new Described(List.of(), List.of());
    }
    DescribeTasksResponse response =
        call(
            "DescribeTasks",
            cluster,
            () ->
                ecs.describeTasks(r -> r.cluster(cluster).tasks(taskArns).include(TaskField.TAGS)),
            limits.clusterRead());
    List<ObservedTask> tasks = response.tasks().stream().map(SdkEcsTasks::observed).toList();
    List<String> missing = new ArrayList<>();
    for (Failure f : response.failures()) {
      if ("MISSING".equals(f.reason()) && f.arn() != null) {
        missing.add(f.arn());
      }
    }
    return new Described(tasks, missing);
  }

  @Override
  public void stop(String cluster, String taskArn, String reason) {
    // StopTask's reason is limited to 255 characters.
    String cut = reason.length() > 255 ? reason.substring(0, 255) : reason;
    call(
        "StopTask",
        cluster,
        () -> ecs.stopTask(r -> r.cluster(cluster).task(taskArn).reason(cut)),
        limits.runTask());
  }

  @Override
  public List<ObservedTask> listStopped(String cluster) {
    List<String> arns = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      ListTasksResponse page =
          call(
              "ListTasks",
              cluster,
              () ->
                  ecs.listTasks(
                      r -> r.cluster(cluster).desiredStatus(DesiredStatus.STOPPED).nextToken(next)),
              limits.clusterRead());
      arns.addAll(page.taskArns());
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    List<ObservedTask> stopped = new ArrayList<>();
    for (int from = 0; from < arns.size(); from += MAX_DESCRIBE) {
      for (ObservedTask t :
          describe(cluster, arns.subList(from, Math.min(arns.size(), from + MAX_DESCRIBE)))
              .tasks()) {
        // ListTasks' desiredStatus filter is not trusted (emulators ignore it).
        if (t.stopped() && t.flowRunId() != null) {
          stopped.add(t);
        }
      }
    }
    return stopped;
  }

  static ObservedTask observed(Task task) {
    List<ObservedTask.Container> containers = new ArrayList<>();
    for (Container c : task.containers()) {
      containers.add(new ObservedTask.Container(c.name(), c.exitCode(), c.reason()));
    }
    Map<String, String> tags = new HashMap<>();
    task.tags().forEach(t -> tags.put(t.key(), t.value()));
    String architecture = null;
    for (Attribute a : task.attributes()) {
      if (CPU_ARCHITECTURE.equals(a.name())) {
        architecture = a.value();
      }
    }
    return new ObservedTask(
        task.taskArn(),
        TaskTags.read(tags, RunningTasks.flowRunId(task)),
        task.taskDefinitionArn(),
        task.lastStatus(),
        task.desiredStatus(),
        task.stopCodeAsString(),
        task.stoppedReason(),
        new ObservedTask.Times(
            task.createdAt(), task.pullStartedAt(), task.startedAt(), task.stoppedAt()),
        new ObservedTask.Capacity(
            task.cpu(),
            task.memory(),
            blankToNull(task.capacityProviderName()),
            blankToNull(task.launchTypeAsString()),
            architecture),
        containers);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static <T> T call(
      String action,
      String cluster,
      Supplier<T> call,
      io.github.prefectecs.agent.support.TokenBucket bucket) {
    try {
      return EcsCalls.call(call, bucket);
    } catch (SdkException e) {
      EcsLaunchException translated = AwsErrors.translate(action, cluster, e);
      throw new EcsTasksException(translated.getMessage(), translated.retryable(), e);
    } catch (EcsLaunchException e) {
      throw new EcsTasksException(e.getMessage(), e.retryable(), e);
    }
  }
}
