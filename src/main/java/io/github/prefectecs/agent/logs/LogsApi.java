package io.github.prefectecs.agent.logs;

import java.util.List;

/**
 * The seam to CloudWatch Logs: the two calls log forwarding makes. Every method is one request
 * (after the SDK's own retries) and throws {@link LogsException} on failure.
 *
 * <p>Implementations are thread-safe.
 */
public interface LogsApi extends AutoCloseable {

  /** At most this many stream names go into one FilterLogEvents call. */
  int MAX_STREAMS_PER_CALL = 100;

  /**
   * One page of FilterLogEvents over {@code streams} of {@code group}: events with a timestamp at
   * or after {@code startTimeMillis}.
   *
   * @param streams 1 to {@link #MAX_STREAMS_PER_CALL} stream names
   * @param nextToken the previous page's token, or null for the first page
   */
  FilterPage filter(String group, List<String> streams, long startTimeMillis, String nextToken);

  /** CreateLogGroup; returns false when the group already existed. */
  boolean createGroup(String group);

  @Override
  void close();
}
