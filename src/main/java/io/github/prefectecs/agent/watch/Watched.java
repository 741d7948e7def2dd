package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Instant;

/**
 * One task under watch and what the watcher knows of it. Touched by the watcher thread only, except
 * {@link #write}, which state-write callbacks set.
 */
final class Watched {
  enum Write {
    NONE,
    PENDING,
    DONE,
    FAILED
  }

  final String runId;
  final String taskArn;
  final String cluster;
  final Instant since;
  Instant lastLooked;
  ObservedTask last;
  boolean announced;
  boolean missing;
  int absent;
  Instant missingSince;
  Verdict verdict;
  boolean confirmed;
  Settlement.StopRequest request = Settlement.StopRequest.NONE;
  String stuckMessage;
  boolean notOurs;
  Instant lastHeartbeat;
  Outcome.Write outcome;
  String writeError;
  int permanentFailures;
  volatile Write write = Write.NONE;

  /**
   * @param defaultCluster the agent's cluster (null: the account's default), used when the ARN does
   *     not name one
   */
  Watched(String runId, String taskArn, Instant since, String defaultCluster) {
    this.runId = runId;
    this.taskArn = taskArn;
    this.since = since;
    this.cluster = EcsTasks.clusterOf(taskArn, defaultCluster);
  }

  /** ECS says it is STOPPED, or no longer knows it. */
  boolean ended() {
    return missing || (last != null && last.stopped());
  }

  /** The launch attempt the task's tags name, once it was described; else null. */
  RunAttempt attempt() {
    return last == null ? null : last.attempt();
  }

  Instant startedAt() {
    return last != null && last.createdAt() != null ? last.createdAt() : since;
  }
}
