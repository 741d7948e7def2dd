package io.github.prefectecs.agent.world;

import java.util.Objects;

/** A fault planned for a task, and when it strikes. */
record Planned(Fault fault, Trigger trigger) {
  Planned {
    Objects.requireNonNull(fault, "fault");
    Objects.requireNonNull(trigger, "trigger");
  }
}
