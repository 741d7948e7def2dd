package io.github.prefectecs.agent.logs;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where each stream's forwarding stands in its run's Prefect logs: the server keeps the lines the
 * forwarder wrote, with their CloudWatch event ids and resume points in {@code info}, so a
 * restarted agent (after SIGTERM or kill -9, on another host) resumes every stream exactly where
 * the lines that reached Prefect end.
 *
 * <p>Implementations are thread-safe; failures are {@link
 * io.github.prefectecs.agent.prefect.PrefectApiException}s.
 */
interface RunLogPositions {

  /** Nothing is known to be forwarded: read from the task's start. */
  RunLogPositions NONE = streams -> Map.of();

  /** A stream of a flow run. */
  record StreamKey(String flowRunId, String stream) {
    public StreamKey {
      Objects.requireNonNull(flowRunId, "flowRunId");
      Objects.requireNonNull(stream, "stream");
    }
  }

  /** An event already in the run's logs. */
  record Delivered(String eventId, long timestamp) {}

  /**
   * What the run's logs hold for one stream.
   *
   * @param resumeFrom reading resumes here (milliseconds): every line not yet in the run's logs has
   *     a timestamp at or after it
   * @param delivered every event from {@code resumeFrom} on that is in the run's logs
   * @param newest the newest timestamp written for the stream (to continue same-millisecond
   *     ordering), or null
   * @param stopWritten whether the ERROR log of its task's abnormal stop was written
   */
  record Position(long resumeFrom, List<Delivered> delivered, Instant newest, boolean stopWritten) {
    public Position {
      delivered = List.copyOf(delivered);
    }
  }

  /**
   * A line sent to a run's logs.
   *
   * @param eventId its CloudWatch event id; null for the ERROR log of a stop
   * @param timestamp the timestamp it was written with
   */
  record Sent(String flowRunId, String stream, String eventId, Instant timestamp) {
    public Sent {
      Objects.requireNonNull(flowRunId, "flowRunId");
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(timestamp, "timestamp");
    }
  }

  /**
   * Those of {@code sent} that are in their runs' logs (after a write whose outcome is unknown).
   *
   * @throws io.github.prefectecs.agent.prefect.PrefectApiException when the server cannot answer
   */
  default Set<Sent> alreadyWritten(List<Sent> sent) {
    return Set.of();
  }

  /**
   * The positions of {@code streams}; a stream of which nothing was forwarded is absent.
   *
   * @throws io.github.prefectecs.agent.prefect.PrefectApiException when the server cannot answer
   */
  Map<StreamKey, Position> find(Collection<StreamKey> streams);
}
