package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server's Lazarus service ({@code services/towel/lazarus.py}): it reschedules runs whose flow
 * process stopped reporting, at most 3 times, then fails them. The double runs it only when a test
 * asks. Callers hold the store's lock.
 */
final class Lazarus {
  static final Duration HEARTBEAT_AGE = Duration.ofMinutes(10);
  static final int ATTEMPTS = 3;
  static final String LOGGER = "prefect-server.Lazarus.FlowRun";

  /** Subclasses of Scheduled or Running: runs with such a task run are left to the flow runner. */
  private static final Set<String> EXCLUDE =
      Set.of("Scheduled", "Paused", "Resume", "Retrying", "Running", "Cancelling");

  private Lazarus() {}

  /**
   * One Lazarus pass: Running or Submitted runs whose heartbeat is at least 10 minutes old, with no
   * Scheduled- or Running-type task run, in flow groups with heartbeats and Lazarus enabled.
   */
  static List<String> runOnce(ServerStore store) {
    Instant cutoff = store.now().minus(HEARTBEAT_AGE);
    List<Map<String, Object>> picked = new ArrayList<>();
    for (Map<String, Object> run : store.flowRuns.values()) {
      Instant heartbeat = (Instant) run.get("heartbeat");
      boolean due =
          Set.of("Running", "Submitted").contains(run.get("state"))
              && heartbeat != null
              && !heartbeat.isAfter(cutoff);
      if (due && !hasExcludedTaskRun(store, run) && lazarusEnabled(store, run)) {
        picked.add(run);
      }
    }
    picked.sort(Comparator.comparing(run -> (Instant) run.get("updated")));
    List<String> ids = new ArrayList<>();
    for (Map<String, Object> run : picked) {
      resurrect(store, run);
      ids.add((String) run.get("id"));
    }
    return ids;
  }

  private static boolean hasExcludedTaskRun(ServerStore store, Map<String, Object> run) {
    return store.taskRuns.values().stream()
        .anyMatch(
            t -> run.get("id").equals(t.get("flow_run_id")) && EXCLUDE.contains(t.get("state")));
  }

  private static boolean lazarusEnabled(ServerStore store, Map<String, Object> run) {
    Map<String, Object> flow = store.flows.get((String) run.get("flow_id"));
    Map<String, Object> group =
        flow == null ? null : store.flowGroups.get((String) flow.get("flow_group_id"));
    if (group == null || !(group.get("settings") instanceof JsonNode settings)) {
      return true;
    }
    // the where clause's _contains: {"heartbeat_enabled": false} / {"lazarus_enabled": false}
    boolean heartbeatOff = settings.path("heartbeat_enabled").equals(BooleanNode.FALSE);
    boolean lazarusOff = settings.path("lazarus_enabled").equals(BooleanNode.FALSE);
    return !heartbeatOff && !lazarusOff;
  }

  /**
   * What Lazarus does to one run: {@code Scheduled("Rescheduled by a Lazarus process.")} starting
   * now, {@code times_resurrected + 1} and an INFO log; after 3 attempts Failed and an ERROR log.
   */
  static void resurrect(ServerStore store, Map<String, Object> run) {
    int times = run.get("times_resurrected") == null ? 0 : (Integer) run.get("times_resurrected");
    String id = (String) run.get("id");
    if (times < ATTEMPTS) {
      StateRules.setFlowRunState(
          store, run, PrefectStates.scheduled("Rescheduled by a Lazarus process.", store.now()));
      run.put("times_resurrected", times + 1);
      log(
          store,
          id,
          "INFO",
          "Rescheduled by a Lazarus process. This is attempt " + (times + 1) + ".");
    } else {
      String message =
          "A Lazarus process attempted to reschedule this run "
              + ATTEMPTS
              + " times without success. Marking as failed.";
      StateRules.setFlowRunState(store, run, PrefectStates.failed(message));
      log(store, id, "ERROR", message);
    }
  }

  private static void log(ServerStore store, String flowRunId, String level, String message) {
    store.logs.add(new LogRecord(flowRunId, null, level, message, LOGGER, store.now(), null));
  }
}
