package io.github.prefectecs.agent.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.StateUpdate;
import java.util.List;
import java.util.Objects;

/** What the watcher does about a stopped task's run, decided by {@link Settlement}. */
sealed interface Outcome {

  /**
   * Nothing to write: the run is finished, queued again, held by a later attempt, or unknown.
   *
   * @param why one line for the agent's log
   */
  record Forget(String why) implements Outcome {}

  /**
   * Nothing to write to the run's state, which Prefect keeps on purpose; one run log says what
   * happened and what comes next.
   *
   * @param logLevel the run log's level
   * @param logMessage the run log line
   */
  record Release(String logLevel, String logMessage) implements Outcome {
    public Release {
      Objects.requireNonNull(logLevel, "logLevel");
      Objects.requireNonNull(logMessage, "logMessage");
    }
  }

  /**
   * Set {@code state} on the run (version lock), then write {@code logMessage} as a run log.
   *
   * @param state the serialized state to set
   * @param logLevel ERROR for a failure, WARN for a reschedule, INFO for a cancel
   * @param logMessage the run log line (the same facts as the state message)
   * @param notice post an operator notice (infrastructure failure)
   * @param taskRunStates task run states written (and answered) before the flow run's state
   */
  record Write(
      ObjectNode state,
      String logLevel,
      String logMessage,
      boolean notice,
      List<StateUpdate> taskRunStates)
      implements Outcome {
    public Write {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(logLevel, "logLevel");
      Objects.requireNonNull(logMessage, "logMessage");
      taskRunStates = List.copyOf(taskRunStates);
    }

    /** A write of the flow run's state alone. */
    static Write of(ObjectNode state, String logLevel, String logMessage, boolean notice) {
      return new Write(state, logLevel, logMessage, notice, List.of());
    }

    String type() {
      return state.path("type").asText();
    }
  }
}
