package io.github.prefectecs.agent.logs;

/**
 * The event volume of a stream source (every stream under its prefix, this agent's or not) as the
 * last prefix read measured it, to tell how many pages the next one will take.
 *
 * @param eventsPerMilli events per millisecond of window
 * @param bytesPerMilli message bytes per millisecond of window
 * @param lastPrefixRead when the last prefix read began (agent clock, milliseconds)
 * @param measured whether a prefix read measured it
 */
record SourceVolume(
    double eventsPerMilli, double bytesPerMilli, long lastPrefixRead, boolean measured) {
  static final SourceVolume UNMEASURED = new SourceVolume(0, 0, Long.MIN_VALUE / 2, false);

  /** One FilterLogEvents page holds at most this many bytes of events. */
  static final double PAGE_BYTES = 1_048_576;

  /** The pages (calls) a read of {@code windowMillis} of this source takes, at least 1. */
  double pages(long windowMillis) {
    double window = Math.max(1, windowMillis);
    double byEvents = eventsPerMilli * window / LogsApi.MAX_EVENTS_PER_PAGE;
    double byBytes = bytesPerMilli * window / PAGE_BYTES;
    return Math.max(1, Math.ceil(Math.max(byEvents, byBytes)));
  }

  /**
   * The volume a prefix read cut short after {@code pages} pages measures: more than those pages
   * over the whole window.
   */
  static SourceVolume moreThan(int pages, long windowMillis, long readAt) {
    double window = Math.max(1, windowMillis);
    return new SourceVolume((pages + 1.0) * LogsApi.MAX_EVENTS_PER_PAGE / window, 0, readAt, true);
  }

  /** The volume a prefix read over {@code windowMillis} that returned what it did measures. */
  static SourceVolume measured(long events, long bytes, long windowMillis, long readAt) {
    double window = Math.max(1, windowMillis);
    return new SourceVolume(events / window, bytes / window, readAt, true);
  }
}
