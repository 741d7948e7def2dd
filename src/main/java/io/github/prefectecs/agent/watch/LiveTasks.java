package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the watcher does for a task that is still alive: StopTask when its run is Cancelling in
 * Prefect, when it has been starting for longer than the start timeout, when it runs past its
 * maximum runtime (only ever to the task of that run), or when it outlives its run ({@link
 * OrphanReaper}); and heartbeats, in one request, for runs still Submitted so Lazarus leaves them
 * alone. Watcher thread only.
 */
final class LiveTasks {
  private static final Logger LOG = LoggerFactory.getLogger(LiveTasks.class);
  private final EcsTasks ecs;
  private final PrefectApi api;
  private final WatchSettings settings;
  private final OrphanReaper reaper;
  private boolean heartbeatsOff;

  LiveTasks(EcsTasks ecs, PrefectApi api, WatchSettings settings, OrphanReaper reaper) {
    this.ecs = ecs;
    this.api = api;
    this.settings = settings;
    this.reaper = reaper;
  }

  /**
   * @param status the run as just read; null when the read (which succeeded) did not name it: the
   *     run no longer exists in Prefect
   */
  void act(Watched w, FlowRunStatus status, Instant now, List<String> heartbeats) {
    if (w.last() == null) {
      return;
    }
    if (status == null) {
      reaper.deleted(w, now, this::stop);
      return;
    }
    String state = status.state();
    String superseded = w.request() == Settlement.StopRequest.NONE ? superseded(w, status) : null;
    if (PrefectStates.isFinished(state)) {
      reaper.finished(w, state, now, this::stop);
    } else {
      w.notOrphan();
    }
    if (superseded != null) {
      retire(w, status, superseded);
    } else if ("Cancelling".equals(state) && w.request() == Settlement.StopRequest.NONE) {
      stop(
          w,
          Settlement.StopRequest.CANCEL,
          "Prefect flow run " + w.runId + " was cancelled (Cancelling)",
          null);
    } else if (w.last().starting()
        && w.request() == Settlement.StopRequest.NONE
        && Duration.between(w.startedAt(), now).compareTo(settings.startTimeout()) >= 0) {
      String message =
          "Task "
              + w.taskArn
              + " did not start within "
              + human(settings.startTimeout())
              + "; last status "
              + w.last().lastStatus()
              + (w.last().stoppedReason() == null ? "" : " (" + w.last().stoppedReason() + ")");
      stop(
          w,
          Settlement.StopRequest.STUCK,
          "Did not start within the agent's start timeout (last status "
              + w.last().lastStatus()
              + ")",
          message);
    } else if (w.request() == Settlement.StopRequest.NONE
        && !PrefectStates.isFinished(state)
        && RuntimeLimit.exceeded(w, now) != null) {
      stop(
          w,
          Settlement.StopRequest.OVERTIME,
          RuntimeLimit.stopReason(w),
          RuntimeLimit.exceeded(w, now));
    }
    // Only while ECS is still starting the task: a container that runs but never reports Running
    // must look dead to Lazarus, which then reschedules the run.
    boolean starting =
        w.last().starting()
            && Duration.between(w.startedAt(), now).compareTo(settings.startTimeout()) < 0;
    if ("Submitted".equals(state)
        && starting
        && w.request() == Settlement.StopRequest.NONE
        && w.heartbeatDue(now, settings.heartbeatInterval())
        && Settlement.laterAttempt(w.attempt(), status) == null) {
      heartbeats.add(w.runId);
      w.heartbeatSent(now);
    }
  }

  /**
   * Why the run no longer belongs to this live task's attempt, or null: the server queued it again
   * (Lazarus, a restart in the UI) or another claim took it since. Its task is then a leftover that
   * must not run beside the new attempt.
   */
  private static String superseded(Watched w, FlowRunStatus status) {
    if (w.attempt() == null) {
      return null; // a task of an older agent: nothing to compare with
    }
    if (PrefectStates.isScheduledType(status.state())) {
      String message =
          status.serializedState() == null
              ? null
              : status.serializedState().path("message").asText(null);
      return "the flow run was rescheduled ("
          + status.state()
          + (message == null ? "" : ": " + message)
          + ")";
    }
    return Settlement.laterAttempt(w.attempt(), status);
  }

  private void retire(Watched w, FlowRunStatus status, String why) {
    String reason =
        "Flow run " + w.runId + ": " + why + "; stopping the task of attempt " + w.attempt().id();
    if (!w.last().stopRequested()) {
      if (stop(w, Settlement.StopRequest.SUPERSEDED, reason, null)) {
        reaper.olderAttemptStopped();
      }
    } else {
      w.stopRequested(Settlement.StopRequest.SUPERSEDED, null);
    }
    if (w.request() == Settlement.StopRequest.SUPERSEDED) {
      LOG.info("Task {} of flow run {} belongs to an earlier attempt: {}", w.taskArn, w.runId, why);
    }
  }

  /** StopTask, only ever to the task of the watched run; false when not sent. */
  private boolean stop(
      Watched w, Settlement.StopRequest request, String reason, String failureMessage) {
    if (!w.runId.equals(w.last().flowRunId())) {
      if (w.notOursOnce()) {
        LOG.error(
            "Not stopping task {}: ECS says it runs flow run {}, not {}",
            w.taskArn,
            w.last().flowRunId(),
            w.runId);
      }
      return false;
    }
    try {
      ecs.stop(w.cluster, w.taskArn, reason);
    } catch (EcsTasksException e) {
      LOG.warn("StopTask of {} failed; trying again next tick: {}", w.taskArn, e.getMessage());
      return false;
    }
    LOG.info("Stopped task {} of flow run {}: {}", w.taskArn, w.runId, reason);
    w.stopRequested(request, failureMessage);
    return true;
  }

  void heartbeat(List<String> runIds, Collection<Watched> watched) {
    if (runIds.isEmpty() || heartbeatsOff) {
      return;
    }
    try {
      api.heartbeatFlowRuns(runIds).stream()
          .filter(r -> !r.isOk())
          .forEach(
              r ->
                  LOG.debug(
                      "Heartbeat of flow run {} failed: {}", r.runId(), r.error().getMessage()));
    } catch (UnsupportedOperationException e) {
      LOG.warn("Heartbeats for starting runs are off: {}", e.getMessage());
      heartbeatsOff = true;
    } catch (PrefectApiException e) {
      LOG.warn(
          "Heartbeats of {} starting flow run(s) failed; sent again next tick: {}",
          runIds.size(),
          e.getMessage());
      watched.stream().filter(w -> runIds.contains(w.runId)).forEach(Watched::heartbeatLost);
    }
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 ? s / 60 + " min" : s + " s";
  }
}
