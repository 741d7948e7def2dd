package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.RunAttempt;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the RunTask arguments of one run as a JSON tree: the agent's arguments with the run
 * config's merged over them, then the {@code flow} container's command and environment, roles,
 * task-level cpu and memory, and the tags, {@code startedBy} and {@code clientToken} that make the
 * task traceable to its run.
 *
 * <p>Immutable and thread-safe.
 */
final class RunTaskArguments {
  static final int MAX_OVERRIDES_CHARS = 8192;

  private final EcsSettings settings;
  private final ObjectNode agentKwargs;
  private final FlowEnvironment environment;
  private final String agentName;

  RunTaskArguments(
      EcsSettings settings, ObjectNode agentKwargs, FlowEnvironment environment, String agentName) {
    this.settings = settings;
    this.agentKwargs = agentKwargs.deepCopy();
    this.environment = environment;
    this.agentName = agentName;
  }

  /** The placement-resolved arguments before per-run overrides (used to pick compatibilities). */
  ObjectNode merged(EcsRunConfig config) {
    return RunTaskKwargs.mergeWithPlacement(agentKwargs, config.runTaskKwargs());
  }

  /**
   * The full RunTask arguments for {@code run}, without {@code taskDefinition}.
   *
   * @throws EcsLaunchException (not retryable) when the overrides exceed ECS's 8192 characters
   */
  ObjectNode build(FlowRun run, EcsRunConfig config) {
    ObjectNode kwargs = merged(config);
    ObjectNode overrides = Json.objectAt(kwargs, "overrides");
    ObjectNode flow = Json.named(Json.arrayAt(overrides, "containerOverrides"), "flow");
    putFirst(overrides, "taskRoleArn", config.taskRoleArn(), settings.taskRoleArn());
    putFirst(overrides, "executionRoleArn", config.executionRoleArn(), settings.executionRoleArn());
    putSize(overrides, "cpu", config.cpu());
    putSize(overrides, "memory", config.memory());
    ArrayNode command = flow.putArray("command");
    command.add("/bin/sh").add("-c").add(executeCommand(run.flow().coreVersion()));
    flow.set("environment", environment(run, config, flow.get("environment")));
    kwargs.put("startedBy", run.id());
    kwargs.put("clientToken", clientToken(run, ""));
    TaskTags.put(kwargs, TaskTags.FLOW_RUN_ID, run.id());
    TaskTags.put(kwargs, TaskTags.FLOW_ID, run.flow().id());
    TaskTags.put(kwargs, TaskTags.AGENT, agentName);
    TaskTags.put(kwargs, TaskTags.FLOW_NAME, run.flow().name());
    if (run.flow().project() != null) {
      TaskTags.put(kwargs, TaskTags.PROJECT, run.flow().project());
    }
    // Extra cost allocation tags never replace the agent's own or the kwargs' tags.
    settings.taskTags().forEach((key, value) -> TaskTags.putIfAbsent(kwargs, key, value));
    if (!kwargs.has("propagateTags")) {
      // The task definition's tags (a template's cost center, say) reach the task and the bill.
      kwargs.put("propagateTags", "TASK_DEFINITION");
    }
    checkOverridesSize(run, overrides);
    return kwargs;
  }

  private ArrayNode environment(FlowRun run, EcsRunConfig config, JsonNode existing) {
    Map<String, String> env = environment.forRun(run.id(), run.flow().id(), config.env());
    ArrayNode array = Json.array();
    Set<String> names = new LinkedHashSet<>(env.keySet());
    env.forEach((name, value) -> array.addObject().put("name", name).put("value", value));
    if (existing != null && existing.isArray()) {
      for (JsonNode entry : existing) {
        String name = Json.text(entry, "name");
        if (name != null && names.add(name)) {
          array.add(entry.deepCopy());
        }
      }
    }
    return array;
  }

  private static void putFirst(ObjectNode overrides, String field, String run, String agent) {
    String value = run != null ? run : agent;
    if (value != null) {
      overrides.put(field, value);
    }
  }

  private static void putSize(ObjectNode overrides, String field, String run) {
    if (run != null) {
      overrides.put(field, run);
    } else if (overrides.hasNonNull(field)) {
      overrides.put(field, overrides.get(field).asText());
    }
  }

  static String executeCommand(String coreVersion) {
    return olderThan013(coreVersion) ? "prefect execute cloud-flow" : "prefect execute flow-run";
  }

  static boolean olderThan013(String coreVersion) {
    if (coreVersion == null || coreVersion.isBlank()) {
      return true;
    }
    String[] parts = coreVersion.split("[.+-]");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
      return major == 0 && minor < 13;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * {@code <flow run id>-<version><suffix>}, ≤ 64 printable ASCII characters. The suffix carries
   * the launch id: ECS keeps a token for hours, so a token per run version alone would answer a
   * relaunch with the old task.
   */
  static String clientToken(FlowRun run, String suffix) {
    return token(run.id() + "-" + run.version() + suffix);
  }

  /** {@code token} made a valid RunTask token: printable ASCII, its last 64 characters. */
  static String token(String token) {
    String clean = token.replaceAll("[^\\x21-\\x7e]", "_");
    return clean.length() <= 64 ? clean : clean.substring(clean.length() - 64);
  }

  /**
   * Names {@code attempt} in the RunTask arguments: its tags, and a client token per attempt (ECS
   * keeps a token for hours, so a token per run version alone would answer a relaunch with the old
   * task, while a retry of the same attempt must get the same answer).
   */
  static void attempt(ObjectNode kwargs, FlowRun run, RunAttempt attempt) {
    kwargs.put("clientToken", clientToken(run, "-" + attempt.id()));
    TaskTags.put(kwargs, TaskTags.ATTEMPT, attempt.id());
    TaskTags.put(kwargs, TaskTags.RUN_VERSION, Integer.toString(attempt.runningVersion()));
  }

  private static void checkOverridesSize(FlowRun run, ObjectNode overrides) {
    int size = Json.write(overrides).length();
    if (size > MAX_OVERRIDES_CHARS) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + ": the RunTask overrides are "
              + size
              + " characters, over ECS's limit of "
              + MAX_OVERRIDES_CHARS
              + "; shorten the run config `env` / agent env vars or move them into the task"
              + " definition");
    }
  }
}
