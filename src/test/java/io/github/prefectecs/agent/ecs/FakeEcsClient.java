package io.github.prefectecs.agent.ecs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.DescribeTasksRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsRequest;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse;
import software.amazon.awssdk.services.ecs.model.ListTasksRequest;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

/**
 * An in-process ECS with the calls the launcher uses: tasks and task definition revisions in
 * memory, idempotent {@code clientToken}s as ECS has them, and hooks to inject throttling, failures
 * and latency. Every other call throws {@link UnsupportedOperationException}.
 *
 * <p>Thread-safe.
 */
public class FakeEcsClient implements EcsClient {
  private static final String PREFIX = "arn:aws:ecs:us-east-1:123456789012:";

  public final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  public final List<RunTaskRequest> runTaskRequests =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Task> tasks = new ConcurrentHashMap<>();
  private final Map<String, Task> byToken = new ConcurrentHashMap<>();
  private final Map<String, RunTaskRequest> requestByToken = new ConcurrentHashMap<>();
  private final Map<String, List<Revision>> families = new ConcurrentHashMap<>();
  private final AtomicInteger taskIds = new AtomicInteger();
  private volatile double throttleFraction;
  private volatile long latencyMillis;
  private volatile Function<RunTaskRequest, List<Failure>> runTaskFailures = r -> List.of();

  private record Revision(TaskDefinition definition, List<Tag> tags) {}

  /** Throws ThrottlingException on about this fraction of calls. */
  public FakeEcsClient throttle(double fraction) {
    this.throttleFraction = fraction;
    return this;
  }

  public FakeEcsClient latency(long millis) {
    this.latencyMillis = millis;
    return this;
  }

  /** Failures to answer a RunTask with (empty list = start the task). */
  public FakeEcsClient failures(Function<RunTaskRequest, List<Failure>> failures) {
    this.runTaskFailures = failures;
    return this;
  }

  private static boolean sameArguments(RunTaskRequest a, RunTaskRequest b) {
    return a == null || a.equals(b);
  }

  /** Stops a task (as ECS would after it exits); a later RunTask with its token still names it. */
  public void stopTask(String taskArn, String stoppedReason) {
    tasks.computeIfPresent(
        taskArn,
        (arn, t) ->
            t.toBuilder()
                .lastStatus("STOPPED")
                .desiredStatus("STOPPED")
                .stoppedReason(stoppedReason)
                .build());
  }

  public int count(String call) {
    AtomicInteger n = calls.get(call);
    return n == null ? 0 : n.get();
  }

  public List<Task> tasks() {
    return List.copyOf(tasks.values());
  }

  /** Puts a running task as if another agent process had started it. */
  public Task addRunningTask(String startedBy, List<Tag> tags) {
    Task task =
        Task.builder()
            .taskArn(PREFIX + "task/default/t" + taskIds.incrementAndGet())
            .startedBy(startedBy)
            .tags(tags)
            .lastStatus("RUNNING")
            .desiredStatus("RUNNING")
            .build();
    tasks.put(task.taskArn(), task);
    return task;
  }

  private void enter(String call) {
    calls.computeIfAbsent(call, c -> new AtomicInteger()).incrementAndGet();
    if (latencyMillis > 0) {
      try {
        Thread.sleep(latencyMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (throttleFraction > 0 && ThreadLocalRandom.current().nextDouble() < throttleFraction) {
      calls.computeIfAbsent(call + ":throttled", c -> new AtomicInteger()).incrementAndGet();
      throw throttling();
    }
  }

  static EcsException throttling() {
    return (EcsException)
        EcsException.builder()
            .statusCode(400)
            .message("Rate exceeded")
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode("ThrottlingException")
                    .errorMessage("Rate exceeded")
                    .build())
            .build();
  }

  @Override
  public RunTaskResponse runTask(RunTaskRequest request) {
    enter("RunTask");
    runTaskRequests.add(request);
    if (request.clientToken() != null) {
      Task earlier = byToken.get(request.clientToken());
      if (earlier != null) {
        if (!sameArguments(requestByToken.get(request.clientToken()), request)) {
          // ECS: a token reused with other arguments is refused, naming what it started
          throw ConflictException.builder()
              .statusCode(400)
              .message("The request could not be processed because of conflict")
              .resourceIds(earlier.taskArn())
              .awsErrorDetails(
                  AwsErrorDetails.builder()
                      .errorCode("ConflictException")
                      .errorMessage("The request could not be processed because of conflict")
                      .build())
              .build();
        }
        return RunTaskResponse.builder()
            .tasks(tasks.getOrDefault(earlier.taskArn(), earlier))
            .build();
      }
    }
    List<Failure> failures = runTaskFailures.apply(request);
    if (!failures.isEmpty()) {
      return RunTaskResponse.builder().failures(failures).build();
    }
    Task task =
        Task.builder()
            .taskArn(PREFIX + "task/default/t" + taskIds.incrementAndGet())
            .taskDefinitionArn(request.taskDefinition())
            .startedBy(request.startedBy())
            .tags(request.tags())
            .overrides(request.overrides())
            .capacityProviderName(
                request.hasCapacityProviderStrategy()
                    ? request.capacityProviderStrategy().get(0).capacityProvider()
                    : null)
            .lastStatus("PROVISIONING")
            .desiredStatus("RUNNING")
            .build();
    if (request.clientToken() != null) {
      Task raced = byToken.putIfAbsent(request.clientToken(), task);
      if (raced != null) {
        return RunTaskResponse.builder().tasks(raced).build();
      }
      requestByToken.put(request.clientToken(), request);
    }
    tasks.put(task.taskArn(), task);
    return RunTaskResponse.builder().tasks(task).build();
  }

  @Override
  public RegisterTaskDefinitionResponse registerTaskDefinition(
      RegisterTaskDefinitionRequest request) {
    enter("RegisterTaskDefinition");
    List<Revision> revisions =
        families.computeIfAbsent(
            request.family(), f -> java.util.Collections.synchronizedList(new ArrayList<>()));
    synchronized (revisions) {
      int revision = revisions.size() + 1;
      TaskDefinition definition =
          TaskDefinition.builder()
              .family(request.family())
              .revision(revision)
              .taskDefinitionArn(PREFIX + "task-definition/" + request.family() + ":" + revision)
              .containerDefinitions(request.containerDefinitions())
              .status(TaskDefinitionStatus.ACTIVE)
              .build();
      revisions.add(new Revision(definition, request.tags()));
      return RegisterTaskDefinitionResponse.builder().taskDefinition(definition).build();
    }
  }

  @Override
  public software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionResponse
      deregisterTaskDefinition(
          software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionRequest request) {
    enter("DeregisterTaskDefinition");
    String[] parts = request.taskDefinition().replaceAll(".*task-definition/", "").split(":");
    List<Revision> revisions = families.get(parts[0]);
    if (revisions == null) {
      throw ClientException.builder().statusCode(400).message("Unknown task definition").build();
    }
    synchronized (revisions) {
      int index = Integer.parseInt(parts[1]) - 1;
      Revision old = revisions.get(index);
      TaskDefinition inactive =
          old.definition().toBuilder().status(TaskDefinitionStatus.INACTIVE).build();
      revisions.set(index, new Revision(inactive, old.tags()));
      return software.amazon.awssdk.services.ecs.model.DeregisterTaskDefinitionResponse.builder()
          .taskDefinition(inactive)
          .build();
    }
  }

  @Override
  public DescribeTaskDefinitionResponse describeTaskDefinition(
      DescribeTaskDefinitionRequest request) {
    enter("DescribeTaskDefinition");
    String name = request.taskDefinition();
    String family =
        name.contains("task-definition/") ? name.replaceAll(".*task-definition/", "") : name;
    String[] parts = family.split(":");
    List<Revision> revisions = families.get(parts[0]);
    if (revisions == null || revisions.isEmpty()) {
      throw ClientException.builder()
          .statusCode(400)
          .message("Unable to describe task definition.")
          .build();
    }
    synchronized (revisions) {
      Revision revision =
          parts.length > 1
              ? revisions.get(Integer.parseInt(parts[1]) - 1)
              : revisions.get(revisions.size() - 1);
      return DescribeTaskDefinitionResponse.builder()
          .taskDefinition(revision.definition())
          .tags(revision.tags())
          .build();
    }
  }

  @Override
  public ListTaskDefinitionsResponse listTaskDefinitions(ListTaskDefinitionsRequest request) {
    enter("ListTaskDefinitions");
    List<Revision> revisions = families.getOrDefault(request.familyPrefix(), List.of());
    List<String> arns = new ArrayList<>();
    synchronized (revisions) {
      for (int i = revisions.size() - 1; i >= 0; i--) {
        arns.add(revisions.get(i).definition().taskDefinitionArn());
      }
    }
    return ListTaskDefinitionsResponse.builder().taskDefinitionArns(arns).build();
  }

  @Override
  public ListTasksResponse listTasks(ListTasksRequest request) {
    enter("ListTasks");
    List<String> arns = new ArrayList<>(tasks.keySet());
    java.util.Collections.sort(arns);
    int start = request.nextToken() == null ? 0 : Integer.parseInt(request.nextToken());
    int end = Math.min(arns.size(), start + 100);
    return ListTasksResponse.builder()
        .taskArns(arns.subList(start, end))
        .nextToken(end < arns.size() ? Integer.toString(end) : null)
        .build();
  }

  /** StopTask requests received, in order. */
  public final List<software.amazon.awssdk.services.ecs.model.StopTaskRequest> stopTaskRequests =
      java.util.Collections.synchronizedList(new ArrayList<>());

  /**
   * StopTask as ECS answers it: the task's desired status turns STOPPED at once, its last status
   * STOPPING; it is STOPPED only once a test says so ({@link #stopTask(String, String)}), as ECS
   * stops it after the container's stop timeout.
   */
  @Override
  public software.amazon.awssdk.services.ecs.model.StopTaskResponse stopTask(
      software.amazon.awssdk.services.ecs.model.StopTaskRequest request) {
    enter("StopTask");
    stopTaskRequests.add(request);
    Task task =
        tasks.computeIfPresent(
            request.task(),
            (arn, t) ->
                "STOPPED".equals(t.lastStatus())
                    ? t
                    : t.toBuilder()
                        .desiredStatus("STOPPED")
                        .lastStatus("STOPPING")
                        .stoppedReason(request.reason())
                        .build());
    if (task == null) {
      throw software.amazon.awssdk.services.ecs.model.InvalidParameterException.builder()
          .statusCode(400)
          .message("The referenced task was not found.")
          .build();
    }
    return software.amazon.awssdk.services.ecs.model.StopTaskResponse.builder().task(task).build();
  }

  @Override
  public DescribeTasksResponse describeTasks(DescribeTasksRequest request) {
    enter("DescribeTasks");
    if (request.tasks().size() > 100) {
      throw ClientException.builder().statusCode(400).message("too many tasks").build();
    }
    List<Task> found = request.tasks().stream().map(tasks::get).filter(t -> t != null).toList();
    return DescribeTasksResponse.builder().tasks(found).build();
  }

  @Override
  public String serviceName() {
    return "ecs";
  }

  @Override
  public void close() {}
}
