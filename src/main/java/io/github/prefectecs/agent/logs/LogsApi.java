package io.github.prefectecs.agent.logs;

/**
 * The seam to CloudWatch Logs: the two calls log forwarding makes. Every method is one request
 * (after the SDK's own retries) and throws {@link LogsException} on failure.
 *
 * <p>Implementations are thread-safe.
 */
public interface LogsApi extends AutoCloseable {

  /** At most this many stream names go into one FilterLogEvents call. */
  int MAX_STREAMS_PER_CALL = 100;

  /** At most this many events come back in one FilterLogEvents page. */
  int MAX_EVENTS_PER_PAGE = 10_000;

  /**
   * One page of FilterLogEvents.
   *
   * @param nextToken the previous page's token, or null for the first page
   * @throws LogsException {@link LogsException.Kind#STREAM_NOT_FOUND} when a named stream does not
   *     exist (CloudWatch refuses the whole call; an emulator may ignore the name instead)
   */
  FilterPage filter(FilterQuery query, String nextToken);

  /** CreateLogGroup; returns false when the group already existed. */
  boolean createGroup(String group);

  @Override
  void close();
}
