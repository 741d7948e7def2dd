package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Starts an agent's run supervision once its core exists (after the handshake: the reporter and the
 * launcher are known). Thread-safe.
 */
@FunctionalInterface
public interface Supervisor {
  /** For agents whose tasks nobody watches (tests of the poll loop alone). */
  Supervisor OFF = (reporter, launcher, events) -> Supervision.NONE;

  /**
   * @param reporter where run states and logs go
   * @param launcher told when a run's task ended, so a run queued again gets a new task
   * @param events where task starts and stops go (log forwarding)
   */
  Supervision start(RunReporter reporter, Launcher launcher, TaskEvents events);

  /**
   * Supervision of ECS tasks through {@code ecsTasks}, on its own {@code thread}, feeding {@code
   * breaker} (the launcher's) its Spot interruptions.
   */
  static Supervisor ofEcs(
      AgentConfig config,
      EcsTasks ecsTasks,
      PrefectApi api,
      RunRegistry registry,
      AgentMetrics metrics,
      AgentHealth health,
      SpotBreaker breaker,
      Clock clock,
      ScheduledExecutorService thread) {
    return (reporter, launcher, events) ->
        TaskSupervision.start(
            config, ecsTasks, api, registry, events, reporter, launcher, metrics, health, breaker,
            clock, thread);
  }
}
