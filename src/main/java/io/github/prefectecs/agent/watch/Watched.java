package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunAttempt;
import java.time.Duration;
import java.time.Instant;

/**
 * One task under watch and what the watcher knows of it: what ECS last said (its sightings), why
 * the agent asked it to stop (if it did), its heartbeats, and the settling of its run (verdict,
 * outcome, the write). Its state changes only through the methods below, each named for what
 * happened. Touched by the watcher thread only, except the write's progress, which state-write
 * callbacks report ({@link #writeDone()}, {@link #writeFailed}).
 */
final class Watched {
  /** Where the write of the run's outcome is. */
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

  private Instant lastLooked;
  private ObservedTask last;
  private boolean announced;
  private boolean missing;
  private int absent;
  private Instant missingSince;
  private Verdict verdict;
  private boolean confirmed;
  private Settlement.StopRequest request = Settlement.StopRequest.NONE;
  private String failureMessage;
  private boolean foundAtStart;
  private Instant firstRunningAt;
  private Instant endedAt;
  private Instant orphanSince;
  private boolean orphanReported;
  private boolean notOurs;
  private Instant lastHeartbeat;
  private Outcome.Write outcome;
  private int permanentFailures;
  private volatile Write write = Write.NONE;

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

  /**
   * A task found STOPPED at start-up (it stopped while the agent was down): described already, and
   * its clean exit needs no second look (the flow process is long gone).
   */
  static Watched foundStopped(ObservedTask task, Instant now, String defaultCluster) {
    Watched w = new Watched(task.flowRunId(), task.taskArn(), now, defaultCluster);
    w.last = task;
    w.lastLooked = now;
    w.confirmed = true;
    w.foundAtStart = true;
    w.endedAt = now;
    return w;
  }

  // ---- sightings (TaskLooks) ----

  /** What DescribeTasks last said; null before the first description. */
  ObservedTask last() {
    return last;
  }

  /** When it was last described; null before the first look. */
  Instant lastLooked() {
    return lastLooked;
  }

  /** DescribeTasks described it at {@code now}. */
  void seen(ObservedTask task, Instant now) {
    lastLooked = now;
    last = task;
    absent = 0;
    missingSince = null;
    if (firstRunningAt == null && "RUNNING".equals(task.lastStatus())) {
      firstRunningAt = now;
    }
    if (endedAt == null && task.stopped()) {
      endedAt = now;
    }
  }

  /**
   * DescribeTasks did not see it at {@code now} (ECS: MISSING). It is gone once unseen for at least
   * {@code looks} looks in a row and {@code grace}: a task may be invisible for a few seconds after
   * RunTask.
   */
  void unseen(Instant now, Duration grace, int looks) {
    lastLooked = now;
    absent++;
    if (missingSince == null) {
      missingSince = now;
    }
    missing = absent >= looks && Duration.between(missingSince, now).compareTo(grace) >= 0;
    if (missing && endedAt == null) {
      endedAt = now;
    }
  }

  /** Whether it was found already STOPPED by the start-up listing. */
  boolean foundAtStart() {
    return foundAtStart;
  }

  /** When the watcher first saw it RUNNING; null before (or when it never was). */
  Instant firstRunningAt() {
    return firstRunningAt;
  }

  /** When the watcher first saw it STOPPED or gone; null while it lives. */
  Instant endedAt() {
    return endedAt;
  }

  /** Whether it is to be announced now (first seen, or found gone); true once. */
  boolean announceOnce() {
    if (announced || (last == null && !missing)) {
      return false;
    }
    announced = true;
    return true;
  }

  /** Whether its start was announced to listeners; marks it announced. */
  boolean markAnnounced() {
    boolean was = announced;
    announced = true;
    return was;
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

  // ---- stop requests (LiveTasks) ----

  /** Why the agent asked the task to stop, or NONE. */
  Settlement.StopRequest request() {
    return request;
  }

  /** The run's failure message when the agent stopped the task for a failure (stuck, overtime). */
  String failureMessage() {
    return failureMessage;
  }

  /**
   * The agent asked the task to stop for {@code why}; {@code failureMessage} is what its run is
   * failed with (a stuck start, a task over its maximum runtime), else null.
   */
  void stopRequested(Settlement.StopRequest why, String failureMessage) {
    this.request = why;
    this.failureMessage = failureMessage;
  }

  // ---- orphans (OrphanReaper) ----

  /**
   * The task outlives its run (finished or deleted) at {@code now}: since when it has (the first
   * such look).
   */
  Instant orphanSince(Instant now) {
    if (orphanSince == null) {
      orphanSince = now;
    }
    return orphanSince;
  }

  /** Its run is live again (restarted in the UI, say): the orphan's grace starts over. */
  void notOrphan() {
    orphanSince = null;
  }

  /** Whether an orphan is to be reported now; true once. */
  boolean reportOrphanOnce() {
    boolean first = !orphanReported;
    orphanReported = true;
    return first;
  }

  /** Whether this is the first time the task turned out to run another run; true once. */
  boolean notOursOnce() {
    boolean first = !notOurs;
    notOurs = true;
    return first;
  }

  /** Whether a heartbeat for its run is due at {@code now}. */
  boolean heartbeatDue(Instant now, Duration interval) {
    return lastHeartbeat == null || Duration.between(lastHeartbeat, now).compareTo(interval) >= 0;
  }

  void heartbeatSent(Instant now) {
    lastHeartbeat = now;
  }

  /** The heartbeat request failed: the next tick sends it again. */
  void heartbeatLost() {
    lastHeartbeat = null;
  }

  // ---- settling (TaskWatcher, RunOutcomes) ----

  /** What the stop means, read once from ECS's last word (null when the agent stopped it). */
  Verdict verdict() {
    if (verdict == null && request == Settlement.StopRequest.NONE) {
      verdict = missing ? StopCauses.missing(taskArn) : StopCauses.of(last);
    }
    return verdict;
  }

  /**
   * Whether a clean exit is to be read once more before it is settled (the flow process may have
   * written its final state just before exiting); true the first time only.
   */
  boolean lookAgainAtCleanExit() {
    if (verdict() instanceof Verdict.CleanExit && !confirmed) {
      confirmed = true;
      return true;
    }
    return false;
  }

  /** The outcome being written, or null. */
  Outcome.Write outcome() {
    return outcome;
  }

  Write write() {
    return write;
  }

  /** The outcome's write is sent. */
  void writing(Outcome.Write outcome) {
    this.outcome = outcome;
    write = Write.PENDING;
  }

  /** The outcome was written (or given up): the task can be forgotten. */
  void writeDone() {
    write = Write.DONE;
  }

  /**
   * The write failed; a refusal that is not transient counts towards {@code giveUpAfter}. Returns
   * whether to give up (then the task can be forgotten), else the next tick writes again from a
   * fresh read of the run.
   */
  boolean writeFailed(boolean transientFailure, int giveUpAfter) {
    if (!transientFailure && ++permanentFailures >= giveUpAfter) {
      write = Write.DONE;
      return true;
    }
    write = Write.FAILED;
    return false;
  }

  /** A failed write is to be tried again from a fresh read of the run. */
  void retryWrite() {
    if (write == Write.FAILED) {
      write = Write.NONE;
    }
  }

  /** Whether the run was relaunched after a Spot interruption by this task's outcome. */
  boolean rescheduled() {
    return outcome != null && "Scheduled".equals(outcome.type());
  }
}
