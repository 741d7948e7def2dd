package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.DurationText;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.watch.ConsoleLinks;
import io.github.prefectecs.agent.watch.ObservedTask;
import java.time.Duration;

/**
 * What the launcher tells the watcher and the run about a task through its tags and its "Submitted
 * for execution" log: its maximum runtime (a run's own {@value #MAX_RUNTIME_ENV}, else the agent's
 * {@code max_runtime}), where its flow container logs (the rendered definition's awslogs driver),
 * and the console addresses of both. Stateless.
 */
final class LaunchDetails {
  /** The run config {@code env} entry with which a flow author sets a run's maximum runtime. */
  static final String MAX_RUNTIME_ENV = "PREFECT_ECS_AGENT_MAX_RUNTIME";

  private LaunchDetails() {}

  /**
   * The run's maximum runtime: its {@code env}'s {@value #MAX_RUNTIME_ENV} ({@code 0} or {@code
   * off} for none), else {@code agentDefault}; {@link Duration#ZERO} for no limit.
   *
   * @throws EcsLaunchException (not retryable) naming the value and the fix when it is not a
   *     duration
   */
  static Duration maxRuntime(FlowRun run, EcsRunConfig config, Duration agentDefault) {
    String text = config.env().get(MAX_RUNTIME_ENV);
    if (text == null || text.isBlank()) {
      return agentDefault;
    }
    try {
      return DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + ": run config env "
              + MAX_RUNTIME_ENV
              + " = \""
              + text
              + "\" is not a duration; write "
              + DurationText.EXAMPLES
              + ", or 0 for no limit");
    }
  }

  /** Tags the task with its maximum runtime (whole seconds) and where its flow container logs. */
  static void tag(ObjectNode kwargs, Duration maxRuntime, ObservedTask.LogStream logs) {
    if (!maxRuntime.isZero()) {
      long seconds = Math.max(1, (maxRuntime.toMillis() + 999) / 1000);
      TaskTags.put(kwargs, TaskTags.MAX_RUNTIME, Long.toString(seconds));
    }
    String value = logs == null ? null : TaskTags.logsValue(logs.group(), logs.streamPrefix());
    if (value != null) {
      TaskTags.put(kwargs, TaskTags.LOGS, value);
    }
  }

  /**
   * The awslogs group and stream prefix of the flow container of a rendered definition; null when
   * it does not log with awslogs and a stream prefix (then its stream names cannot be known).
   */
  static ObservedTask.LogStream logsOf(ObjectNode definition) {
    JsonNode containers = definition.path("containerDefinitions");
    for (JsonNode container : containers) {
      if (!TaskDefinitionRenderer.FLOW_CONTAINER.equals(Json.text(container, "name"))) {
        continue;
      }
      JsonNode logging = container.path("logConfiguration");
      JsonNode options = logging.path("options");
      String group = Json.text(options, "awslogs-group");
      String prefix = Json.text(options, "awslogs-stream-prefix");
      if ("awslogs".equals(Json.text(logging, "logDriver")) && group != null && prefix != null) {
        return new ObservedTask.LogStream(
            group, prefix + "/" + TaskDefinitionRenderer.FLOW_CONTAINER);
      }
    }
    return null;
  }

  /** The console addresses of the task and of its logs, for the "Submitted for execution" log. */
  static String where(String taskArn, String cluster, ObservedTask.LogStream logs) {
    return ConsoleLinks.line(taskArn, cluster, logs);
  }
}
