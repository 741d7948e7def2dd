package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.SdkTrees;
import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Calls RunTask for one run and turns the answer into a {@link LaunchResult}: a started task, a
 * retry on FARGATE when Fargate Spot has no capacity, or the failure reasons.
 *
 * <p>Thread-safe; records started tasks in the shared running map.
 */
final class TaskLauncher {
  private static final Logger log = LoggerFactory.getLogger(TaskLauncher.class);
  private final EcsClient ecs;
  private final EcsRateLimits limits;
  private final EcsSettings settings;
  private final Map<String, String> running;
  private final Consumer<String> spotCapacityFailure;

  /**
   * @param spotCapacityFailure told the run id of every launch that found no Fargate Spot capacity
   *     (the Spot circuit breaker)
   */
  TaskLauncher(
      EcsClient ecs,
      EcsRateLimits limits,
      EcsSettings settings,
      Map<String, String> running,
      Consumer<String> spotCapacityFailure) {
    this.ecs = ecs;
    this.limits = limits;
    this.settings = settings;
    this.running = running;
    this.spotCapacityFailure = spotCapacityFailure;
  }

  LaunchResult run(FlowRun run, ObjectNode kwargs) {
    RunTaskResponse response = call(kwargs);
    if (response.hasTasks() && !response.tasks().isEmpty()) {
      return started(run, response, List.of());
    }
    List<Failure> failures = response.failures();
    if (RunTaskKwargs.usesSpot(kwargs) && failures.stream().anyMatch(AwsErrors::isCapacity)) {
      log.warn("No Fargate Spot capacity for flow run {}; retrying on FARGATE", run.id());
      spotCapacityFailure.accept(run.id());
      ObjectNode onDemand = kwargs.deepCopy();
      onDemand.set(
          RunTaskKwargs.STRATEGY,
          RunTaskKwargs.strategy(List.of(new CapacityProviderItem("FARGATE", 1, 0))));
      // A different request needs its own idempotency token (ECS: ConflictException otherwise).
      onDemand.put("clientToken", RunTaskArguments.token(Json.text(kwargs, "clientToken") + "-od"));
      response = call(onDemand);
      if (response.hasTasks() && !response.tasks().isEmpty()) {
        return started(run, response, List.of(EcsLauncher.SPOT_FALLBACK));
      }
      failures = response.failures();
    }
    String reasons = failures.stream().map(AwsErrors::describe).collect(Collectors.joining("; "));
    String message =
        "Failed to start task for flow run " + run.id() + ". Failures: [" + reasons + "]";
    if (!failures.isEmpty() && failures.stream().allMatch(AwsErrors::isTransient)) {
      return new LaunchResult.Retryable(message, EcsLauncher.RETRY_AFTER);
    }
    return new LaunchResult.Rejected(message);
  }

  private LaunchResult started(FlowRun run, RunTaskResponse response, List<String> notes) {
    String arn = response.tasks().get(0).taskArn();
    running.put(run.id(), arn);
    log.info("Started task {} for flow run {}", arn, run.id());
    return new LaunchResult.Launched(arn, notes);
  }

  private RunTaskResponse call(ObjectNode kwargs) {
    RunTaskRequest request = toRequest(kwargs);
    boolean fargate = RunTaskKwargs.onFargate(kwargs, settings);
    try {
      return fargate
          ? EcsCalls.call(() -> ecs.runTask(request), limits.runTask(), limits.fargateRunTask())
          : EcsCalls.call(() -> ecs.runTask(request), limits.runTask());
    } catch (ConflictException e) {
      // The token was used before with other arguments (a retry whose first answer was lost,
      // re-rendered): ECS names the task that call started, and that task is this launch's.
      String arn = startedUnderToken(e);
      if (arn == null) {
        throw AwsErrors.translate("RunTask", settings.cluster(), e);
      }
      log.info(
          "RunTask: a task was already started under client token {}: {}",
          request.clientToken(),
          arn);
      return RunTaskResponse.builder().tasks(Task.builder().taskArn(arn).build()).build();
    } catch (SdkException e) {
      throw AwsErrors.translate("RunTask", settings.cluster(), e);
    }
  }

  /** The task ARN a ConflictException names, or null. */
  static String startedUnderToken(ConflictException e) {
    if (!e.hasResourceIds()) {
      return null;
    }
    return e.resourceIds().stream().filter(id -> id.contains(":task/")).findFirst().orElse(null);
  }

  static RunTaskRequest toRequest(ObjectNode kwargs) {
    try {
      return SdkTrees.fill(RunTaskRequest.builder(), kwargs).build();
    } catch (SdkTrees.Mismatch e) {
      throw EcsLaunchException.rejected(
          "The RunTask arguments (run_task_kwargs) are not valid for ECS: " + e.getMessage());
    }
  }
}
