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
  final String cluster;
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
    this.cluster = clusterOf(taskArn, defaultCluster);
  }

  /**
   * The cluster a task runs in: long task ARNs name it ({@code ...:task/<cluster>/<id>}; a run's
   * {@code run_task_kwargs} may pick another cluster than the agent's), old ones do not.
   */
  static String clusterOf(String taskArn, String defaultCluster) {
    int task = taskArn.indexOf(":task/");
    if (task < 0) {
      return defaultCluster;
    }
    String rest = taskArn.substring(task + ":task/".length());
    int slash = rest.indexOf('/');
    return slash > 0 ? rest.substring(0, slash) : defaultCluster;
  }

  /** ECS says it is STOPPED, or no longer knows it. */
  boolean ended() {
    return missing || (last != null && last.stopped());
  }

  Instant startedAt() {
    return last != null && last.createdAt() != null ? last.createdAt() : since;
  }
}
