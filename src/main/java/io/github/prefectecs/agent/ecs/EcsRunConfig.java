package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.prefect.FlowRun;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The run's {@code ECSRun} settings, after {@code UniversalRun} and null run configs were mapped to
 * it and every field was validated. Nullable fields mean "not set".
 *
 * @param taskDefinition inline template
 * @param taskDefinitionPath template location (path, file://, http(s)://, s3://)
 * @param taskDefinitionArn registered definition to run as-is
 * @param image flow image
 * @param env run environment, in the given order
 * @param cpu task-level cpu, e.g. {@code 1024} or {@code 1 vcpu}
 * @param memory task-level memory, e.g. {@code 2048} or {@code 2 GB}
 * @param taskRoleArn task role
 * @param executionRoleArn execution role
 * @param runTaskKwargs extra RunTask arguments merged over the agent's
 */
record EcsRunConfig(
    ObjectNode taskDefinition,
    String taskDefinitionPath,
    String taskDefinitionArn,
    String image,
    Map<String, String> env,
    String cpu,
    String memory,
    String taskRoleArn,
    String executionRoleArn,
    ObjectNode runTaskKwargs) {

  private static final Pattern CPU = Pattern.compile("(?i)\\d+|\\d+(\\.\\d+)?\\s*vcpu");
  private static final Pattern MEMORY = Pattern.compile("(?i)\\d+|\\d+(\\.\\d+)?\\s*gb");

  EcsRunConfig {
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
  }

  static EcsRunConfig empty() {
    return new EcsRunConfig(null, null, null, null, Map.of(), null, null, null, null, null);
  }

  /**
   * The run's ECS settings, as the reference agent resolves them.
   *
   * @throws EcsLaunchException (not retryable) naming the type or field that is wrong
   */
  static EcsRunConfig of(FlowRun run) {
    JsonNode config = run.runConfig();
    if (config == null || config.isNull()) {
      JsonNode environment = run.flow().environment();
      if (environment != null && !environment.isNull()) {
        throw EcsLaunchException.rejected(
            "Flow run "
                + run.id()
                + " uses a legacy `environment` instead of a `run_config`; re-register the flow"
                + " with an ECSRun run config");
      }
      return empty();
    }
    String type = Json.text(config, "type");
    if ("UniversalRun".equals(type)) {
      return new EcsRunConfig(
          null, null, null, null, env(run, config), null, null, null, null, null);
    }
    if (!"ECSRun".equals(type)) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + " has a `run_config` of type `"
              + (type == null ? "unknown" : type)
              + "`, only `ECSRun` is supported");
    }
    return ecsRun(run, config);
  }

  private static EcsRunConfig ecsRun(FlowRun run, JsonNode config) {
    ObjectNode taskDefinition = object(run, config, "task_definition");
    String path = Json.text(config, "task_definition_path");
    String arn = Json.text(config, "task_definition_arn");
    int given = (taskDefinition != null ? 1 : 0) + (path != null ? 1 : 0) + (arn != null ? 1 : 0);
    if (given > 1) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + ": can only provide one of `task_definition`, `task_definition_path`, or"
              + " `task_definition_arn`");
    }
    String image = Json.text(config, "image");
    if (arn != null && image != null) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + ": cannot provide both `task_definition_arn` and `image`, since an ECS task's"
              + " `image` can only be configured as part of the task definition");
    }
    return new EcsRunConfig(
        taskDefinition,
        path,
        arn,
        image,
        env(run, config),
        size(run, config, "cpu", CPU, "1024 or \"1 vcpu\""),
        size(run, config, "memory", MEMORY, "2048 or \"2 GB\""),
        Json.text(config, "task_role_arn"),
        Json.text(config, "execution_role_arn"),
        object(run, config, "run_task_kwargs"));
  }

  private static ObjectNode object(FlowRun run, JsonNode config, String field) {
    JsonNode node = config.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!(node instanceof ObjectNode object)) {
      throw EcsLaunchException.rejected(
          "Flow run " + run.id() + ": run config `" + field + "` must be an object");
    }
    return object.deepCopy();
  }

  private static Map<String, String> env(FlowRun run, JsonNode config) {
    JsonNode node = config.get("env");
    Map<String, String> env = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return env;
    }
    if (!node.isObject()) {
      throw EcsLaunchException.rejected(
          "Flow run " + run.id() + ": run config `env` must be an object of names to values");
    }
    node.fields()
        .forEachRemaining(
            e -> env.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
    return env;
  }

  private static String size(
      FlowRun run, JsonNode config, String field, Pattern pattern, String example) {
    JsonNode node = config.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    String value = node.asText().trim();
    boolean positive = !value.isEmpty() && !value.matches("0+(\\.0+)?\\D*");
    if (node.isContainerNode() || !pattern.matcher(value).matches() || !positive) {
      throw EcsLaunchException.rejected(
          "Flow run "
              + run.id()
              + ": run config `"
              + field
              + "` must be a positive number like "
              + example
              + ", got "
              + node);
    }
    return value;
  }
}
