package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.watch.ObservedTask;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tags the agent puts on every task and reads back: which run, flow, project, agent and launch
 * attempt it is (traceability and cost allocation), its maximum runtime and where its flow
 * container logs (so the watcher needs no other call after a restart). Stateless.
 */
final class TaskTags {
  static final String FLOW_RUN_ID = "prefect:flow-run-id";
  static final String FLOW_ID = "prefect:flow-id";
  static final String FLOW_NAME = "prefect:flow-name";
  static final String PROJECT = "prefect:project";
  static final String AGENT = "prefect:agent";

  /** The launch attempt (see {@link RunAttempt}): its id. */
  static final String ATTEMPT = "prefect:attempt";

  /** The launch attempt: the flow run's version while its flow process runs. */
  static final String RUN_VERSION = "prefect:run-version";

  /** The longest the task may run, in whole seconds; absent for no limit. */
  static final String MAX_RUNTIME = "prefect:max-runtime";

  /** {@code <log group>:<stream prefix>/<container>} of the flow container's awslogs driver. */
  static final String LOGS = "prefect:logs";

  private static final int MAX_VALUE = 256;
  // AWS's tag rules: letters, numbers, spaces and + - = . _ : / @.
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^\\p{L}\\p{N}\\s+\\-=._:/@]");

  private TaskTags() {}

  /** Sets tag {@code key} in the RunTask arguments, replacing one of that key. */
  static void put(ObjectNode kwargs, String key, String value) {
    ArrayNode tags = Json.arrayAt(kwargs, "tags");
    for (int i = tags.size() - 1; i >= 0; i--) {
      if (key.equals(Json.text(tags.get(i), "key"))) {
        tags.remove(i);
      }
    }
    tags.addObject().put("key", key).put("value", value(value));
  }

  /** Sets tag {@code key} unless the arguments already carry one of that key. */
  static void putIfAbsent(ObjectNode kwargs, String key, String value) {
    for (var tag : Json.arrayAt(kwargs, "tags")) {
      if (key.equals(Json.text(tag, "key"))) {
        return;
      }
    }
    put(kwargs, key, value);
  }

  /**
   * {@code text} as a tag value AWS accepts: characters it refuses become {@code _}, at most 256
   * characters, {@code -} for none (a flow name may hold any character).
   */
  static String value(String text) {
    if (text == null || text.isEmpty()) {
      return "-";
    }
    String clean = NOT_ALLOWED.matcher(text).replaceAll("_");
    return clean.length() <= MAX_VALUE ? clean : clean.substring(0, MAX_VALUE);
  }

  /** The {@link #LOGS} value, or null when the group or prefix holds a character tags refuse. */
  static String logsValue(String group, String streamPrefix) {
    String text = group + ":" + streamPrefix;
    return text.length() <= MAX_VALUE && !NOT_ALLOWED.matcher(text).find() ? text : null;
  }

  /** What {@code tags} say; {@code flowRunId} is the run found by the caller (tag or startedBy). */
  static ObservedTask.Tags read(Map<String, String> tags, String flowRunId) {
    return new ObservedTask.Tags(
        flowRunId, tags.get(AGENT), attemptOf(tags), maxRuntimeOf(tags), logsOf(tags));
  }

  /** The attempt {@code tags} name, or null when they name none (or a malformed one). */
  static RunAttempt attemptOf(Map<String, String> tags) {
    String id = tags.get(ATTEMPT);
    String version = tags.get(RUN_VERSION);
    if (id == null || version == null) {
      return null;
    }
    try {
      return new RunAttempt(id, Integer.parseInt(version));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The maximum runtime {@code tags} name, or null (none, or a value this agent did not write). */
  static Duration maxRuntimeOf(Map<String, String> tags) {
    String seconds = tags.get(MAX_RUNTIME);
    if (seconds == null) {
      return null;
    }
    try {
      long s = Long.parseLong(seconds.strip());
      return s > 0 ? Duration.ofSeconds(s) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Where the flow container logs, from the {@link #LOGS} tag; null when absent. */
  static ObservedTask.LogStream logsOf(Map<String, String> tags) {
    String value = tags.get(LOGS);
    int colon = value == null ? -1 : value.indexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      return null;
    }
    return new ObservedTask.LogStream(value.substring(0, colon), value.substring(colon + 1));
  }
}
