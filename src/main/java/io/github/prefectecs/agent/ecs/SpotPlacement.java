package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.SpotMarker;
import io.github.prefectecs.agent.watch.SpotBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a launch from Fargate Spot to FARGATE (on-demand) when it should not use Spot now: the run
 * was interrupted by Spot before (the marker the watcher left in its Scheduled state), or the Spot
 * circuit breaker is open and the run did not ask for a placement of its own. A configured launch
 * type, or a strategy without FARGATE_SPOT, is left as it is. Thread-safe.
 */
final class SpotPlacement {
  private static final Logger log = LoggerFactory.getLogger(SpotPlacement.class);
  private final SpotBreaker breaker;

  SpotPlacement(SpotBreaker breaker) {
    this.breaker = breaker;
  }

  /**
   * Rewrites {@code kwargs} to FARGATE when needed and returns the run log notes to write once the
   * task started.
   *
   * @param ownToken the client token names the run version only (no launch attempt): an on-demand
   *     launch then gets a token of its own
   */
  List<String> apply(FlowRun run, EcsRunConfig config, ObjectNode kwargs, boolean ownToken) {
    if (!RunTaskKwargs.usesSpot(kwargs)) {
      return List.of();
    }
    List<String> notes = new ArrayList<>();
    if (SpotMarker.onDemandRequired(run.serializedState())) {
      log.info(
          "Flow run {} was interrupted by Fargate Spot before; launching on FARGATE", run.id());
      notes.add(EcsLauncher.SPOT_RELAUNCH);
    } else if (!ownPlacement(config)) {
      Optional<java.time.Instant> until = breaker.openUntil();
      if (until.isEmpty()) {
        return List.of();
      }
      breaker.redirected(run.id());
      notes.add(
          "Started on FARGATE (on-demand), not Fargate Spot: the agent's Spot circuit breaker is"
              + " open until "
              + PrefectStates.format(until.get())
              + " after repeated Spot interruptions or capacity failures");
    } else {
      return List.of();
    }
    kwargs.set(
        RunTaskKwargs.STRATEGY,
        RunTaskKwargs.strategy(List.of(new CapacityProviderItem("FARGATE", 1, 0))));
    if (ownToken) {
      // Without an attempt the token names the run version only: keep the on-demand launch apart.
      kwargs.put("clientToken", RunTaskArguments.clientToken(run, "-od"));
    }
    return notes;
  }

  /** Whether the run's own {@code run_task_kwargs} choose its placement. */
  private static boolean ownPlacement(EcsRunConfig config) {
    ObjectNode own = config.runTaskKwargs();
    return own != null && (own.has(RunTaskKwargs.LAUNCH_TYPE) || own.has(RunTaskKwargs.STRATEGY));
  }
}
