package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.prefect.LogEntry;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.prefect.StateUpdate;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends run states and run logs through the {@link PrefectBatcher}, stamping logs with the agent's
 * name and the time they happened (so a log retried later keeps its real time).
 *
 * <p>Thread-safe.
 */
public final class RunReporter {
  private static final Logger LOG = LoggerFactory.getLogger(RunReporter.class);
  private final PrefectBatcher batcher;
  private final String agentName;
  private final Clock clock;

  public RunReporter(PrefectBatcher batcher, String agentName, Clock clock) {
    this.batcher = batcher;
    this.agentName = agentName;
    this.clock = clock;
  }

  public CompletableFuture<Void> setFlowRunState(StateUpdate update) {
    return batcher.setFlowRunState(update);
  }

  public CompletableFuture<Void> setTaskRunState(StateUpdate update) {
    return batcher.setTaskRunState(update);
  }

  /** Queues a run log line; a failure to deliver it is logged here, never thrown. */
  public void log(String flowRunId, String level, String message) {
    batcher
        .writeLog(new LogEntry(flowRunId, agentName, level, message, clock.instant()))
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                LOG.warn(
                    "Could not write a {} log line to flow run {}: {}",
                    level,
                    flowRunId,
                    error.getMessage());
              }
            });
  }

  /** Sends what is queued without waiting for the batching window. */
  public void dispatchNow() {
    batcher.dispatchNow();
  }

  /** Sends the queued flow run states (claims) now; logs and task run states keep their window. */
  public void dispatchFlowRunStates() {
    batcher.dispatchFlowRunStates();
  }

  /** Sends the queued task run states now; logs and flow run states keep their window. */
  public void dispatchTaskRunStates() {
    batcher.dispatchTaskRunStates();
  }
}
