package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import java.util.Map;

/**
 * Starts a claimed flow run on some infrastructure (ECS). The seam between the agent loop and the
 * ECS launcher.
 *
 * <p>Implementations are thread-safe: {@link #launch} is called concurrently from the launch pool.
 * It blocks until the task is started or refused, never throws for expected failures, and throws
 * only for programming errors.
 */
public interface Launcher extends AutoCloseable {

  /**
   * Prepares the launcher at start-up (e.g. default network inference) and returns the tasks this
   * agent already has running, as flow run id to task ARN, so the agent never starts a second task
   * for one run. Throws {@link IllegalStateException} with a one-line message when the launcher
   * cannot work (e.g. no default VPC).
   */
  Map<String, String> start();

  /** Launches one claimed run. {@code attempt} counts from 1 for retries of the same claim. */
  LaunchResult launch(FlowRun run, int attempt);

  /**
   * Launches one claimed run as attempt {@code runAttempt}: an id new for each launch of a run (a
   * first launch, each relaunch) and the same for every retry of that launch, so a retried call
   * whose first answer was lost does not start a second task, while a relaunch of the same run
   * version does start a new one. The task carries the attempt, so its stop settles only it.
   *
   * @param attempt counts from 1 for retries of the same claim
   */
  default LaunchResult launch(FlowRun run, int attempt, RunAttempt runAttempt) {
    return launch(run, attempt);
  }

  /**
   * Forgets the task known for {@code flowRunId}: the server put the run back in the queue (it was
   * rescheduled), so the next launch must start a new task rather than report the old one.
   */
  void forget(String flowRunId);

  /** What became of the task last started or adopted for a run. */
  enum PreviousTask {
    /** Still running or starting: report it, start no other. */
    ALIVE,
    /** Stopped, stopping or unknown to the infrastructure: a new task may be started. */
    GONE,
    /** The infrastructure could not be asked: decide later. */
    UNKNOWN
  }

  /**
   * What became of the task last started or adopted for {@code flowRunId}: asked when the server
   * queues the run again, so a new task is started exactly when the old one is gone. May call the
   * infrastructure once. Launchers that cannot tell answer {@link PreviousTask#GONE}.
   */
  default PreviousTask previousTask(String flowRunId) {
    return PreviousTask.GONE;
  }

  /**
   * What the infrastructure has for {@code flowRunId}'s launch attempt {@code attemptId} (null: any
   * attempt): asked before taking over a claim a dead process of this agent left, which may or may
   * not have started its task. A live task found is adopted (the next launch reports it). Launchers
   * that cannot tell answer {@link TaskLookup.Kind#NONE}.
   */
  default TaskLookup findTask(String flowRunId, String attemptId) {
    return new TaskLookup(TaskLookup.Kind.NONE, null);
  }

  /**
   * @param kind what was found
   * @param taskArn the task found (ALIVE, STOPPED), else null
   */
  record TaskLookup(Kind kind, String taskArn) {
    public enum Kind {
      /** No task of that attempt. */
      NONE,
      /** One is running or starting (now adopted). */
      ALIVE,
      /** One ran and is stopped. */
      STOPPED,
      /** The infrastructure could not be asked. */
      UNKNOWN
    }
  }

  /**
   * Stops the task last started or adopted for {@code flowRunId}, which still runs although the
   * server rescheduled the run (a later attempt takes over): {@code reason} names the reschedule.
   * The next {@link #launch} of the run waits (answers {@link LaunchResult.Waiting}) until that
   * task is stopped, so a run never has two live tasks. Launchers without tasks do nothing.
   */
  default void retirePrevious(String flowRunId, String reason) {}

  @Override
  void close();
}
