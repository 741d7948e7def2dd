package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunAttempt;
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
 * @param attempt the launch attempt its tags name; null for tasks started without them (older
 *     agents, other launchers)
 * @param taskDefinitionArn the task definition revision; may be null
 * @param lastStatus e.g. {@code PROVISIONING}, {@code RUNNING}, {@code STOPPED}
 * @param desiredStatus {@code RUNNING}, or {@code STOPPED} once someone asked it to stop; may be
 *     null
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
    RunAttempt attempt,
    String taskDefinitionArn,
    String lastStatus,
    String desiredStatus,
    String stopCode,
    String stoppedReason,
    Instant createdAt,
    Instant stoppedAt,
    List<Container> containers) {

  /** The container the agent puts the flow command in (the reference agent's name). */
  public static final String FLOW_CONTAINER = "flow";

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

  /** Someone (this agent, an operator, ECS) asked it to stop; it may still be stopping. */
  public boolean stopRequested() {
    return "STOPPED".equals(desiredStatus);
  }

  /**
   * The container that runs the flow: the one named {@value #FLOW_CONTAINER}, else the only one;
   * null when the task has several containers and none of that name.
   */
  public Container flowContainer() {
    for (Container c : containers) {
      if (FLOW_CONTAINER.equals(c.name())) {
        return c;
      }
    }
    return containers.size() == 1 ? containers.get(0) : null;
  }
}
