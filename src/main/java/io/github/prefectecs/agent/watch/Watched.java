package io.github.prefectecs.agent.watch;

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
  final Instant since;
  Instant lastLooked;
  ObservedTask last;
  boolean announced;
  boolean missing;
  int absent;
  Verdict verdict;
  boolean confirmed;
  Settlement.StopRequest request = Settlement.StopRequest.NONE;
  String stuckMessage;
  Instant lastHeartbeat;
  Outcome.Write outcome;
  String writeError;
  int permanentFailures;
  volatile Write write = Write.NONE;

  Watched(String runId, String taskArn, Instant since) {
    this.runId = runId;
    this.taskArn = taskArn;
    this.since = since;
  }

  /** ECS says it is STOPPED, or no longer knows it. */
  boolean ended() {
    return missing || (last != null && last.stopped());
  }

  Instant startedAt() {
    return last != null && last.createdAt() != null ? last.createdAt() : since;
  }
}
