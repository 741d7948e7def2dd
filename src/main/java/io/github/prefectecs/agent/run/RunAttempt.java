package io.github.prefectecs.agent.run;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One launch of a flow run, as its claim and its ECS task record it, so that a task's stop settles
 * only the attempt it belongs to and never a later one (a run rescheduled by the server, claimed
 * again by this agent or another).
 *
 * <p>The id goes into the claim's Submitted state (see {@code PrefectStates#ATTEMPT_KEY}) and into
 * the task's tags; {@code runningVersion} is the flow run's version while the attempt's flow
 * process runs: the claim's Submitted version plus one when the flow run itself was claimed, the
 * unchanged Running version when its task runs were (a Running run queued again). A Running run at
 * a higher version went through another claim since.
 *
 * @param id eight hex digits, new for each launch of a run
 * @param runningVersion the flow run's version while this attempt's flow process runs
 */
public record RunAttempt(String id, int runningVersion) {
  public RunAttempt {
    Objects.requireNonNull(id, "id");
    if (!id.matches("[0-9a-f]{1,32}")) {
      throw new IllegalArgumentException("attempt id must be lowercase hex, was '" + id + "'");
    }
  }

  /** A new attempt for a claim of the flow run at {@code version} (Scheduled → Submitted). */
  public static RunAttempt ofFlowRunClaim(int version) {
    return new RunAttempt(newId(), version + 2);
  }

  /** A new attempt for a claim of the task runs of a Running flow run at {@code version}. */
  public static RunAttempt ofTaskRunClaim(int version) {
    return new RunAttempt(newId(), version);
  }

  /** Eight random hex digits. */
  static String newId() {
    return String.format("%08x", ThreadLocalRandom.current().nextInt());
  }
}
