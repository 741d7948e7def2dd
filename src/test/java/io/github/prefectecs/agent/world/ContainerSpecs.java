package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Resolves a task definition and the RunTask {@code overrides} into the containers ECS would run,
 * by ECS's rules: an override's {@code command} replaces the definition's (the entry point stays),
 * override environment entries win over the definition's by name, {@code essential} defaults to
 * true, the awslogs stream is {@code <prefix>/<container name>/<task id>}. Stateless.
 */
final class ContainerSpecs {
  private static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

  private ContainerSpecs() {}

  /**
   * @param definition the task definition (DescribeTaskDefinition's {@code taskDefinition})
   * @param overrides RunTask's {@code overrides}; may be null
   * @param taskId the last segment of the task ARN
   * @param home the task's home and working directory
   */
  static List<ContainerSpec> resolve(
      JsonNode definition, JsonNode overrides, String taskId, Path home, RunnerSettings settings) {
    List<ContainerSpec> specs = new ArrayList<>();
    for (JsonNode container : definition.path("containerDefinitions")) {
      String name = container.path("name").asText();
      JsonNode override = overrideOf(overrides, name);
      specs.add(
          new ContainerSpec(
              name,
              container.path("image").asText(null),
              container.path("essential").asBoolean(true),
              argv(container, override),
              environment(container, override, home, settings),
              secrets(container),
              stopTimeout(container, settings),
              logs(container, name, taskId, settings)));
    }
    return specs;
  }

  private static JsonNode overrideOf(JsonNode overrides, String name) {
    if (overrides == null) {
      return null;
    }
    for (JsonNode o : overrides.path("containerOverrides")) {
      if (name.equals(o.path("name").asText())) {
        return o;
      }
    }
    return null;
  }

  static List<String> argv(JsonNode container, JsonNode override) {
    List<String> argv = texts(container.path("entryPoint"));
    JsonNode command =
        override != null && override.has("command")
            ? override.get("command")
            : container.path("command");
    argv.addAll(texts(command));
    return argv;
  }

  private static Map<String, String> environment(
      JsonNode container, JsonNode override, Path home, RunnerSettings settings) {
    Map<String, String> env = new LinkedHashMap<>();
    String bins = settings.binDirs().stream().map(Path::toString).collect(Collectors.joining(":"));
    env.put("PATH", bins.isEmpty() ? SYSTEM_PATH : bins + ":" + SYSTEM_PATH);
    env.put("HOME", home.toString());
    env.putAll(settings.imageEnvironment());
    // What the ECS container agent adds on Fargate.
    env.put("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE");
    env.put("AWS_REGION", settings.region());
    env.put("AWS_DEFAULT_REGION", settings.region());
    pairs(container.path("environment"), env);
    if (override != null) {
      pairs(override.path("environment"), env);
    }
    return env;
  }

  private static Map<String, String> secrets(JsonNode container) {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (JsonNode s : container.path("secrets")) {
      secrets.put(s.path("name").asText(), s.path("valueFrom").asText());
    }
    return secrets;
  }

  private static Duration stopTimeout(JsonNode container, RunnerSettings settings) {
    JsonNode seconds = container.get("stopTimeout");
    return seconds != null && seconds.canConvertToInt()
        ? Duration.ofSeconds(seconds.asInt())
        : settings.defaultStopTimeout();
  }

  static ContainerSpec.AwsLogs logs(
      JsonNode container, String name, String taskId, RunnerSettings settings) {
    JsonNode config = container.path("logConfiguration");
    if (!"awslogs".equals(config.path("logDriver").asText())) {
      return null;
    }
    JsonNode options = config.path("options");
    String group = options.path("awslogs-group").asText(null);
    if (group == null) {
      return null;
    }
    String prefix = options.path("awslogs-stream-prefix").asText("");
    String stream =
        prefix.isEmpty()
            // Without a prefix the driver names the stream after the Docker container id.
            ? UUID.nameUUIDFromBytes((taskId + "/" + name).getBytes()).toString().replace("-", "")
            : prefix + "/" + name + "/" + taskId;
    return new ContainerSpec.AwsLogs(
        group,
        options.path("awslogs-region").asText(settings.region()),
        stream,
        "true".equalsIgnoreCase(options.path("awslogs-create-group").asText()));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    for (JsonNode n : array) {
      texts.add(n.asText());
    }
    return texts;
  }

  private static void pairs(JsonNode array, Map<String, String> into) {
    for (JsonNode pair : array) {
      into.put(pair.path("name").asText(), pair.path("value").asText(""));
    }
  }
}
