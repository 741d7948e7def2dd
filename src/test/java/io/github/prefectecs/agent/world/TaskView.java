package io.github.prefectecs.agent.world;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What ECS says about a task the front runs, at one moment: the fields the front overlays on moto's
 * DescribeTasks answer. Timestamps are null until the task reaches them.
 *
 * @param runId the task's {@code prefect:flow-run-id} tag, else its {@code startedBy}; may be null
 * @param capacityProvider e.g. {@code FARGATE_SPOT}; null when placed by launch type
 * @param version ECS's task version, one more at each change
 */
public record TaskView(
    String taskArn,
    String runId,
    String capacityProvider,
    String launchType,
    String lastStatus,
    String desiredStatus,
    String stopCode,
    String stoppedReason,
    Instant createdAt,
    Instant pullStartedAt,
    Instant pullStoppedAt,
    Instant startedAt,
    Instant stoppingAt,
    Instant executionStoppedAt,
    Instant stoppedAt,
    long version,
    String cpu,
    String memory,
    List<ContainerView> containers) {

  public TaskView {
    Objects.requireNonNull(taskArn, "taskArn");
    containers = List.copyOf(containers);
  }

  /** The task id: the last segment of its ARN. */
  public String taskId() {
    return taskArn.substring(taskArn.lastIndexOf('/') + 1);
  }

  public boolean stopped() {
    return "STOPPED".equals(lastStatus);
  }

  /** The container named {@code name}. */
  public ContainerView container(String name) {
    return containers.stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no container " + name + " in " + taskArn));
  }

  /**
   * One container.
   *
   * @param exitCode null until its process ended (never set for a container that did not run)
   * @param reason e.g. the OOM or the failed-start reason; may be null
   * @param logStream its awslogs stream; null without awslogs
   */
  public record ContainerView(
      String name,
      String image,
      boolean essential,
      String lastStatus,
      Integer exitCode,
      String reason,
      String logStream) {}
}
