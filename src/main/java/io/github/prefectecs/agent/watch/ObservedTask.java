package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What DescribeTasks says about one task, in the project's own terms.
 *
 * @param taskArn the task ARN
 * @param tags what the launching agent put on the task (its tags, or a flow run id {@code
 *     startedBy})
 * @param taskDefinitionArn the task definition revision; may be null
 * @param lastStatus e.g. {@code PROVISIONING}, {@code RUNNING}, {@code STOPPED}
 * @param desiredStatus {@code RUNNING}, or {@code STOPPED} once someone asked it to stop; may be
 *     null
 * @param stopCode e.g. {@code EssentialContainerExited}; null when not stopped (or not given)
 * @param stoppedReason ECS's stop reason; may be null
 * @param times ECS's lifecycle timestamps
 * @param capacity the size and the capacity it runs on
 * @param containers the containers with their exit codes and reasons
 */
public record ObservedTask(
    String taskArn,
    Tags tags,
    String taskDefinitionArn,
    String lastStatus,
    String desiredStatus,
    String stopCode,
    String stoppedReason,
    Times times,
    Capacity capacity,
    List<Container> containers) {

  /** The container the agent puts the flow command in (the reference agent's name). */
  public static final String FLOW_CONTAINER = "flow";

  public ObservedTask {
    Objects.requireNonNull(taskArn, "taskArn");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(times, "times");
    Objects.requireNonNull(capacity, "capacity");
    containers = List.copyOf(containers);
  }

  /**
   * What the launching agent put on the task.
   *
   * @param flowRunId the flow run it runs (its {@code prefect:flow-run-id} tag or a UUID {@code
   *     startedBy}); null when it is not a flow run task
   * @param agentName the {@code prefect:agent} tag; null when absent
   * @param attempt the launch attempt its tags name; null for tasks started without them (older
   *     agents, other launchers)
   * @param maxRuntime the {@code prefect:max-runtime} tag: the longest it may run; null for none
   * @param logs the {@code prefect:logs} tag: where its flow container logs; null when unknown
   */
  public record Tags(
      String flowRunId, String agentName, RunAttempt attempt, Duration maxRuntime, LogStream logs) {
    /** A task with no tags of this agent. */
    public static Tags none() {
      return new Tags(null, null, null, null, null);
    }
  }

  /**
   * The CloudWatch log group and stream prefix of the flow container's awslogs driver; its stream
   * is {@code <prefix>/<task id>}.
   *
   * @param group the log group
   * @param streamPrefix {@code <awslogs-stream-prefix>/<container name>}
   */
  public record LogStream(String group, String streamPrefix) {
    public LogStream {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(streamPrefix, "streamPrefix");
    }

    /** The stream of task {@code taskId}. */
    public String stream(String taskId) {
      return streamPrefix + "/" + taskId;
    }
  }

  /**
   * ECS's lifecycle timestamps; each null until the task reaches it (emulators leave most out).
   *
   * @param createdAt when ECS created the task
   * @param pullStartedAt when the image pull started (Fargate bills from here)
   * @param startedAt when the containers started
   * @param stoppedAt when the task stopped
   */
  public record Times(
      Instant createdAt, Instant pullStartedAt, Instant startedAt, Instant stoppedAt) {
    /** No timestamps at all. */
    public static Times none() {
      return new Times(null, null, null, null);
    }
  }

  /**
   * What the task runs on and how big it is; any may be null when ECS does not say.
   *
   * @param cpu task-level CPU units ({@code 1024} is one vCPU)
   * @param memory task-level memory in MiB
   * @param capacityProvider e.g. {@code FARGATE_SPOT}; null when placed by launch type
   * @param launchType e.g. {@code FARGATE}, {@code EC2}
   * @param cpuArchitecture the {@code ecs.cpu-architecture} attribute, e.g. {@code x86_64}
   */
  public record Capacity(
      String cpu,
      String memory,
      String capacityProvider,
      String launchType,
      String cpuArchitecture) {
    /** Nothing known. */
    public static Capacity unknown() {
      return new Capacity(null, null, null, null, null);
    }
  }

  /**
   * @param name container name
   * @param exitCode exit code; null when the container never ran
   * @param reason short reason (e.g. {@code OutOfMemoryError: Container killed due to memory
   *     usage}); may be null
   */
  public record Container(String name, Integer exitCode, String reason) {}

  /** The flow run it runs; null when it is not a flow run task. */
  public String flowRunId() {
    return tags.flowRunId();
  }

  /** The {@code prefect:agent} tag; null when absent. */
  public String agentName() {
    return tags.agentName();
  }

  /** The launch attempt its tags name; null when none. */
  public RunAttempt attempt() {
    return tags.attempt();
  }

  /** When ECS created the task; may be null. */
  public Instant createdAt() {
    return times.createdAt();
  }

  /** When it stopped; may be null. */
  public Instant stoppedAt() {
    return times.stoppedAt();
  }

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
