package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the scheduled task runs of a claimed flow run Submitted (batched), naming this process's
 * claim and the launch attempt: the claim itself for a Running run queued again, a record for a
 * flow run claimed Submitted. Thread-safe.
 */
final class TaskRunClaims {
  private static final Logger LOG = LoggerFactory.getLogger(TaskRunClaims.class);
  private final RunReporter reporter;
  private final String claimToken;

  TaskRunClaims(RunReporter reporter, String claimToken) {
    this.reporter = reporter;
    this.claimToken = claimToken;
  }

  /** The task runs a claim sets Submitted: those in a Scheduled-type state. */
  static List<TaskRun> scheduled(FlowRun run) {
    return run.taskRuns().stream()
        .filter(t -> PrefectStates.isScheduledType(t.stateType()))
        .toList();
  }

  /** Queues Submitted for the scheduled task runs of {@code run}; completes when all are set. */
  CompletableFuture<Void> submit(FlowRun run, RunAttempt attempt) {
    List<CompletableFuture<Void>> updates = new ArrayList<>();
    for (TaskRun taskRun : scheduled(run)) {
      updates.add(
          reporter.setTaskRunState(
              new StateUpdate(
                  taskRun.id(),
                  taskRun.version(),
                  PrefectStates.submitted(
                      taskRun.serializedState(),
                      PrefectStates.TASK_RUN_SUBMITTED,
                      claimToken,
                      attempt.id()))));
    }
    return CompletableFuture.allOf(updates.toArray(CompletableFuture[]::new));
  }

  /** The flow run is ours: a task run that cannot be marked does not stop its launch. */
  void markSubmitted(FlowRun run, RunAttempt attempt) {
    submit(run, attempt)
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                LOG.warn(
                    "Could not mark the task runs of flow run {} Submitted ({}); it was launched"
                        + " anyway",
                    run.id(),
                    Errors.oneLine(error));
              }
            });
  }
}
