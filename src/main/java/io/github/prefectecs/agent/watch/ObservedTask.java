package io.github.prefectecs.agent.watch;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What DescribeTasks says about one task, in the project's own terms.
 *
 * @param taskArn the task ARN
 * @param flowRunId the flow run it runs (its {@code prefect:flow-run-id} tag or a UUID {@code
 *     startedBy}); null when it is not a flow run task
 * @param agentName the {@code prefect:agent} tag; null when absent
 * @param taskDefinitionArn the task definition revision; may be null
 * @param lastStatus e.g. {@code PROVISIONING}, {@code RUNNING}, {@code STOPPED}
 * @param stopCode e.g. {@code EssentialContainerExited}; null when not stopped (or not given)
 * @param stoppedReason ECS's stop reason; may be null
 * @param createdAt when ECS created the task; may be null
 * @param stoppedAt when it stopped; may be null
 * @param containers the containers with their exit codes and reasons
 */
public record ObservedTask(
    String taskArn,
    String flowRunId,
    String agentName,
    String taskDefinitionArn,
    String lastStatus,
    String stopCode,
    String stoppedReason,
    Instant createdAt,
    Instant stoppedAt,
    List<Container> containers) {
  public ObservedTask {
    Objects.requireNonNull(taskArn, "taskArn");
    containers = List.copyOf(containers);
  }

  /**
   * @param name container name
   * @param exitCode exit code; null when the container never ran
   * @param reason short reason (e.g. {@code OutOfMemoryError: Container killed due to memory
   *     usage}); may be null
   */
  public record Container(String name, Integer exitCode, String reason) {}

  public boolean stopped() {
    return "STOPPED".equals(lastStatus) || "DELETED".equals(lastStatus);
  }

  /** Still on its way to RUNNING (PROVISIONING, PENDING, ACTIVATING). */
  public boolean starting() {
    return "PROVISIONING".equals(lastStatus)
        || "PENDING".equals(lastStatus)
        || "ACTIVATING".equals(lastStatus);
  }
}
