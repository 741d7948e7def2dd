package io.github.prefectecs.agent.run;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Hears about the ECS tasks of flow runs as they start and stop: the launcher and the start-up
 * listing report starts, the task watcher reports stops. Log forwarding listens to both.
 *
 * <p>Implementations are thread-safe, return quickly and never throw: a slow or failing listener
 * must not hold up launching or watching.
 */
public interface TaskEvents {

  /** Ignores every event. */
  TaskEvents NONE =
      new TaskEvents() {
        @Override
        public void taskStarted(TaskStart start) {}

        @Override
        public void taskStopped(TaskStop stop) {}
      };

  /** A task of this agent runs (or is starting) for a flow run: launched now or adopted. */
  void taskStarted(TaskStart start);

  /** A task of this agent is STOPPED (or no longer known to ECS). */
  void taskStopped(TaskStop stop);

  /** Sends every event to each of {@code listeners} in order. */
  static TaskEvents all(List<TaskEvents> listeners) {
    List<TaskEvents> copy = List.copyOf(listeners);
    return new TaskEvents() {
      @Override
      public void taskStarted(TaskStart start) {
        copy.forEach(l -> l.taskStarted(start));
      }

      @Override
      public void taskStopped(TaskStop stop) {
        copy.forEach(l -> l.taskStopped(stop));
      }
    };
  }

  /**
   * @param flowRunId the flow run the task runs
   * @param taskArn the ECS task ARN
   * @param taskDefinitionArn the task definition revision the task runs; null when unknown
   * @param startedAt when the agent launched or adopted it
   * @param createdAt when ECS created the task (known once it was described: for a task adopted or
   *     found stopped after a restart it is earlier than {@code startedAt}); null when unknown
   */
  record TaskStart(
      String flowRunId,
      String taskArn,
      String taskDefinitionArn,
      Instant startedAt,
      Instant createdAt) {
    public TaskStart {
      Objects.requireNonNull(flowRunId, "flowRunId");
      Objects.requireNonNull(taskArn, "taskArn");
      Objects.requireNonNull(startedAt, "startedAt");
    }

    /** A start whose ECS creation time is not known. */
    public TaskStart(
        String flowRunId, String taskArn, String taskDefinitionArn, Instant startedAt) {
      this(flowRunId, taskArn, taskDefinitionArn, startedAt, null);
    }
  }

  /**
   * @param flowRunId the flow run the task ran
   * @param taskArn the ECS task ARN
   * @param stoppedAt when ECS stopped it (or when the agent found it gone)
   * @param abnormal the run ended for an infrastructure or process failure (non-zero exit, failed
   *     start, Spot interruption, stuck start, external stop, task gone), not a clean exit or a
   *     cancel
   * @param cause one line naming the cause, for humans; null for a clean exit
   */
  record TaskStop(
      String flowRunId, String taskArn, Instant stoppedAt, boolean abnormal, String cause) {
    public TaskStop {
      Objects.requireNonNull(flowRunId, "flowRunId");
      Objects.requireNonNull(taskArn, "taskArn");
      Objects.requireNonNull(stoppedAt, "stoppedAt");
    }
  }
}
