package io.github.prefectecs.agent.logs;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Whether the stream of a task that stopped with no output was ever created: one read naming it
 * (CloudWatch refuses a missing stream; an emulator that ignores the name says nothing, and the
 * stream counts as read). Its events, if any came late, are taken like any others. Stateless.
 */
final class Probe {
  private Probe() {}

  static StopEvidence.Stream whetherCreated(
      ReadRunner runner, StreamState task, BiConsumer<StreamState, LogEvent> fresh) {
    ReadPlan.Read read =
        new ReadPlan.Read(
            ReadPlan.Kind.PROBE,
            task.source().group(),
            ReadPlan.prefixOf(task.source()),
            List.of(task),
            task.windowStart());
    ReadRunner.Outcome outcome = runner.run(read, fresh, () -> true);
    if (outcome instanceof ReadRunner.Failed failed
        && failed.error().kind() == LogsException.Kind.STREAM_NOT_FOUND) {
      return StopEvidence.Stream.NEVER_CREATED;
    }
    return StopEvidence.Stream.READ;
  }
}
