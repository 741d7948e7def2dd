package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.run.RunRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start-up, finds this agent's tasks that stopped while it was down (ECS lists them for about an
 * hour), the latest per run, so their runs are reported like any other stop. Watcher thread only.
 */
final class RestartListing {
  private static final Logger LOG = LoggerFactory.getLogger(RestartListing.class);
  private final EcsTasks ecs;
  private final WatchSettings settings;
  private final RunRegistry registry;
  private boolean done;

  RestartListing(EcsTasks ecs, WatchSettings settings, RunRegistry registry) {
    this.ecs = ecs;
    this.settings = settings;
    this.registry = registry;
  }

  /** Adds the stopped tasks to {@code watched} once; tried again on the next tick if ECS fails. */
  void addTo(Map<String, Watched> watched, Instant now) {
    if (done) {
      return;
    }
    List<ObservedTask> stopped;
    try {
      stopped = ecs.listStopped(settings.cluster());
    } catch (EcsTasksException e) {
      LOG.warn(
          "Cannot list tasks that stopped while the agent was down (next tick): {}",
          e.getMessage());
      return;
    }
    done = true;
    Map<String, ObservedTask> latest = new HashMap<>();
    for (ObservedTask t : stopped) {
      boolean ours = settings.agentName() == null || settings.agentName().equals(t.agentName());
      if (t.flowRunId() != null && ours && t.stopped() && registry.get(t.flowRunId()).isEmpty()) {
        latest.merge(t.flowRunId(), t, (a, b) -> later(a, b));
      }
    }
    for (ObservedTask t : latest.values()) {
      watched.put(t.taskArn(), Watched.foundStopped(t, now, settings.cluster()));
    }
    if (!latest.isEmpty()) {
      LOG.info(
          "{} task(s) of this agent stopped while it was down; reporting their runs",
          latest.size());
    }
  }

  private static ObservedTask later(ObservedTask a, ObservedTask b) {
    if (a.stoppedAt() == null) {
      return b;
    }
    return b.stoppedAt() != null && b.stoppedAt().isAfter(a.stoppedAt()) ? b : a;
  }
}
