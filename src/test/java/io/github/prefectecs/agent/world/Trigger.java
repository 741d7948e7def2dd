package io.github.prefectecs.agent.world;

import java.time.Duration;
import java.util.Objects;

/** When a planned {@link Fault} strikes a task. Values. */
public sealed interface Trigger {
  /**
   * As the containers start (a {@link Fault.FailedToStart} always strikes instead of the start).
   */
  record AtStart() implements Trigger {}

  /** This long after the containers started. */
  record After(Duration delay) implements Trigger {
    public After {
      Objects.requireNonNull(delay, "delay");
    }
  }

  /** When a container prints a line containing {@code text}. */
  record OnLine(String text) implements Trigger {
    public OnLine {
      Objects.requireNonNull(text, "text");
    }
  }

  static Trigger atStart() {
    return new AtStart();
  }

  static Trigger after(Duration delay) {
    return new After(delay);
  }

  static Trigger onLine(String text) {
    return new OnLine(text);
  }
}
