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
   * Forgets the task known for {@code flowRunId}: the server put the run back in the queue (it was
   * rescheduled), so the next launch must start a new task rather than report the old one.
   */
  void forget(String flowRunId);

  @Override
  void close();
}
