package io.github.prefectecs.agent.watch;

import java.time.Duration;

/**
 * An agent's run supervision while it runs: what the agent's stop needs of it.
 *
 * <p>Implementations are thread-safe.
 */
public interface Supervision {
  /** No supervision: nothing watched, nothing to stop. */
  Supervision NONE =
      new Supervision() {
        @Override
        public void stopWatching() {}

        @Override
        public void closeNotices(Duration timeout) {}
      };

  /** Stops watching (the tick in progress ends on the watch thread). */
  void stopWatching();

  /** Sends the operator notices still queued, waiting up to {@code timeout}. */
  void closeNotices(Duration timeout);
}
