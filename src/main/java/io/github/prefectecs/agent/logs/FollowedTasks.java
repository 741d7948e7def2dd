package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.run.TaskEvents.TaskStart;
import io.github.prefectecs.agent.run.TaskEvents.TaskStop;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks whose streams the forwarder follows, from their start to their release: where each
 * stream is ({@link StreamLocator}), which may be read in the forwarding mode, the notice to a run
 * whose group refuses reads, and the letting go of stopped tasks once their streams went quiet
 * (with the ERROR log of an abnormal stop), or of tasks whose group has refused reads for too long.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class FollowedTasks {
  private static final Logger LOG = LoggerFactory.getLogger(FollowedTasks.class);

  /** In {@code failures} mode a stopped task is read from this long before it stopped. */
  static final Duration FAILURES_WINDOW = Duration.ofMinutes(10);

  private final ForwarderSettings settings;
  private final StreamLocator locator;
  private final RunLogOutbox outbox;
  private final GroupRefusals refusals;
  private final Clock clock;
  private final Map<String, StreamState> tasks = new LinkedHashMap<>();

  FollowedTasks(
      ForwarderSettings settings,
      StreamLocator locator,
      RunLogOutbox outbox,
      GroupRefusals refusals,
      Clock clock) {
    this.settings = settings;
    this.locator = locator;
    this.outbox = outbox;
    this.refusals = refusals;
    this.clock = clock;
  }

  Collection<StreamState> all() {
    return tasks.values();
  }

  int size() {
    return tasks.size();
  }

  StreamState get(String taskArn) {
    return tasks.get(taskArn);
  }

  /** Applies a task start or stop heard at {@code now}. */
  void apply(Object event, long now) {
    if (event instanceof TaskStart start) {
      tasks.putIfAbsent(start.taskArn(), new StreamState(start, settings.tailLines()));
    } else if (event instanceof TaskStop stop) {
      StreamState task = tasks.get(stop.taskArn());
      if (task == null) {
        LOG.debug("Stop of task {} that was never followed; nothing to read", stop.taskArn());
      } else if (settings.mode() == LogForwarding.FAILURES && !stop.abnormal()) {
        tasks.remove(stop.taskArn());
      } else {
        task.stopped(stop, now);
        if (settings.mode() == LogForwarding.FAILURES) {
          // Only the last lines matter: skip most of a long run's output.
          task.skipTo(stop.stoppedAt().toEpochMilli() - FAILURES_WINDOW.toMillis());
        }
      }
    }
  }

  /** In {@code failures} mode only an abnormally stopped task is read (for its last lines). */
  boolean readable(StreamState task) {
    return settings.mode() != LogForwarding.FAILURES
        || (task.isStopped() && task.stop().abnormal());
  }

  /** Finds the streams not located yet (one DescribeTaskDefinition per definition, cached). */
  void locate() {
    for (StreamState task : tasks.values()) {
      if (task.isLocated() || task.isUnreadable() || !readable(task)) {
        continue;
      }
      String arn = task.start.taskDefinitionArn();
      if (arn == null) {
        LOG.debug("Task {} has no known task definition; its output is not read", task.start);
        task.unreadable();
        continue;
      }
      try {
        var source = locator.locate(arn);
        if (source.isPresent()) {
          task.located(source.get());
        } else {
          task.unreadable();
        }
      } catch (LogsException e) {
        LOG.debug("Cannot locate the log stream of task {} yet: {}", task.start.taskArn(), e);
        return; // try again next sweep
      }
    }
  }

  /** Located streams whose position in their run's logs is not known yet. */
  List<StreamState> waitingForPosition() {
    List<StreamState> waiting = new ArrayList<>();
    for (StreamState task : tasks.values()) {
      if (task.isLocated() && !task.isPositioned() && readable(task)) {
        waiting.add(task);
      }
    }
    return waiting;
  }

  /** Streams that may be read at {@code now}: located, positioned, readable, group not refused. */
  List<StreamState> toRead(long now) {
    List<StreamState> readable = new ArrayList<>();
    for (StreamState task : tasks.values()) {
      if (task.isLocated()
          && task.isPositioned()
          && readable(task)
          && refusals.readable(task.source().group(), now)) {
        readable.add(task);
      }
    }
    return readable;
  }

  /** Tells every run of {@code group} once that its output cannot be read, and why. */
  void refused(String group, GroupRefusals.Refusal refusal, long now) {
    for (StreamState task : tasks.values()) {
      if (task.isLocated() && task.source().group().equals(group)) {
        if (task.refusedSince() == StreamState.NEVER) {
          outbox.offer(
              new RunLogOutbox.Line(
                  RunLogOutbox.Kind.NOTICE,
                  task.flowRunId(),
                  settings.loggerName(),
                  "WARNING",
                  refusal.reason() + "; this run's container output is not forwarded meanwhile",
                  clock.instant(),
                  task.stream(),
                  null,
                  task.windowStart()));
        }
        task.refused(now);
      }
    }
  }

  /**
   * Lets go of stopped tasks whose streams went quiet (every positioned stopped one on the final
   * sweep) and of tasks whose group has refused reads for longer than allowed.
   *
   * @param probe whether the stream of a task that printed nothing was ever created; null on the
   *     final sweep (no time for it)
   */
  void release(long now, boolean final_, Function<StreamState, StopEvidence.Stream> probe) {
    long quiet = settings.quietPeriod().toMillis();
    Iterator<StreamState> it = tasks.values().iterator();
    while (it.hasNext()) {
      StreamState task = it.next();
      boolean refused = task.refusedSince() != StreamState.NEVER;
      if (!task.isStopped()) {
        if (refused && now - task.refusedSince() >= settings.refusedRelease().toMillis()) {
          it.remove();
          LOG.info(
              "Letting go of task {} of flow run {}: its log group has refused reads for {}",
              task.start.taskArn(),
              task.flowRunId(),
              settings.refusedRelease());
        }
        continue;
      }
      boolean waitedQuiet = now - task.stopHeardAt() >= quiet;
      boolean done =
          task.quietSinceStop(now, quiet)
              || (waitedQuiet && (task.isUnreadable() || !task.isLocated() || refused))
              || (final_ && task.isPositioned());
      if (done) {
        it.remove();
        writeEvidence(task, refused, probe);
      }
    }
  }

  private void writeEvidence(
      StreamState task, boolean refused, Function<StreamState, StopEvidence.Stream> probe) {
    StopEvidence.Stream stream = refused ? StopEvidence.Stream.REFUSED : StopEvidence.Stream.READ;
    if (!refused
        && probe != null
        && task.isLocated()
        && task.tail().isEmpty()
        && task.stop().abnormal()
        && !task.stopWritten()) {
      stream = probe.apply(task);
    }
    GroupRefusals.Refusal refusal =
        task.isLocated() ? refusals.refusal(task.source().group()) : null;
    String message =
        StopEvidence.message(task, stream, refusal == null ? "refused" : refusal.reason());
    if (message != null) {
      task.stopWrittenNow();
      outbox.offer(
          new RunLogOutbox.Line(
              RunLogOutbox.Kind.STOP,
              task.flowRunId(),
              settings.loggerName(),
              "ERROR",
              message,
              StopEvidence.timestamp(task),
              task.stream(),
              null,
              task.windowStart()));
    }
  }
}
