package io.github.prefectecs.agent.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** What the watcher does about a stopped task's run, decided by {@link Settlement}. */
sealed interface Outcome {

  /**
   * Nothing to write: the run is finished, queued again or unknown.
   *
   * @param why one line for the agent's log
   */
  record Forget(String why) implements Outcome {}

  /**
   * Set {@code state} on the run (version lock), then write {@code logMessage} as a run log.
   *
   * @param state the serialized state to set
   * @param logLevel ERROR for a failure, WARN for a reschedule, INFO for a cancel
   * @param logMessage the run log line (the same facts as the state message)
   * @param notice post an operator notice (infrastructure failure)
   */
  record Write(ObjectNode state, String logLevel, String logMessage, boolean notice)
      implements Outcome {
    public Write {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(logLevel, "logLevel");
      Objects.requireNonNull(logMessage, "logMessage");
    }

    String type() {
      return state.path("type").asText();
    }
  }
}
