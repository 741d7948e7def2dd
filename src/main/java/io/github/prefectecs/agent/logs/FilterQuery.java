package io.github.prefectecs.agent.logs;

import java.util.List;
import java.util.Objects;

/**
 * One FilterLogEvents read: named streams of a group (1 to {@link LogsApi#MAX_STREAMS_PER_CALL}),
 * or every stream whose name starts with a prefix, between two event timestamps (both inclusive).
 *
 * <p>CloudWatch refuses a read naming a stream that does not exist ({@code
 * ResourceNotFoundException}); a prefix read names no stream and is never refused for one.
 *
 * @param group the log group
 * @param streams the stream names; empty for a prefix read
 * @param streamPrefix the stream name prefix; null for a read of named streams
 * @param startTime the earliest event timestamp (milliseconds since the epoch)
 * @param endTime the latest event timestamp
 */
public record FilterQuery(
    String group, List<String> streams, String streamPrefix, long startTime, long endTime) {
  public FilterQuery {
    Objects.requireNonNull(group, "group");
    streams = List.copyOf(streams);
    if (streams.isEmpty() == (streamPrefix == null)) {
      throw new IllegalArgumentException(
          "FilterLogEvents takes stream names or a stream prefix, not both or neither");
    }
    if (streams.size() > LogsApi.MAX_STREAMS_PER_CALL) {
      throw new IllegalArgumentException(
          "FilterLogEvents takes 1 to "
              + LogsApi.MAX_STREAMS_PER_CALL
              + " streams, got "
              + streams.size());
    }
    if (endTime < startTime) {
      throw new IllegalArgumentException(
          "FilterLogEvents window ends (" + endTime + ") before it starts (" + startTime + ")");
    }
  }

  /** A read of {@code streams} of {@code group}. */
  public static FilterQuery named(String group, List<String> streams, long start, long end) {
    return new FilterQuery(group, streams, null, start, end);
  }

  /** A read of every stream of {@code group} whose name starts with {@code prefix}. */
  public static FilterQuery prefixed(String group, String prefix, long start, long end) {
    return new FilterQuery(group, List.of(), prefix, start, end);
  }

  public boolean isPrefixRead() {
    return streamPrefix != null;
  }
}
