package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.prefect.Flow;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Renders the task definition of a run from its template as the reference agent does, minus
 * everything that varies per run (that goes into RunTask overrides), so equal definitions hash
 * equal and are registered once.
 *
 * <p>Immutable and thread-safe.
 */
final class TaskDefinitionRenderer {
  static final String FLOW_CONTAINER = "flow";

  /** The awslogs stream prefix of a flow container the agent gives the awslogs driver. */
  static final String STREAM_PREFIX = "prefect";

  private static final int MAX_FAMILY = 255;
  private final LogSettings logs;
  private final EcsSettings settings;
  private final String region;

  /**
   * @param settings agent ECS settings (execution role, secret ARN, log group)
   * @param region region for the awslogs driver
   */
  TaskDefinitionRenderer(EcsSettings settings, LogSettings logs, String region) {
    this.logs = logs;
    this.settings = settings;
    this.region = region;
  }

  /**
   * Renders the definition.
   *
   * @param template the template (run config, its path, the agent's, or the packaged default); not
   *     modified
   * @param config the run's ECS settings
   * @param flow the run's flow
   * @param fargate whether the task is placed on Fargate
   */
  ObjectNode render(ObjectNode template, EcsRunConfig config, Flow flow, boolean fargate) {
    ObjectNode definition = template.deepCopy();
    if (Json.text(definition, "family") == null) {
      definition.put("family", family(flow.name()));
    }
    ObjectNode container =
        Json.named(Json.arrayAt(definition, "containerDefinitions"), FLOW_CONTAINER);
    String image = image(config, flow, Json.text(container, "image"));
    container.put("image", image);
    ArrayNode env = Json.array();
    env.addObject().put("name", "PREFECT__CONTEXT__IMAGE").put("value", image);
    JsonNode templateEnv = container.get("environment");
    if (templateEnv != null && templateEnv.isArray()) {
      for (JsonNode entry : templateEnv) {
        if (!"PREFECT__CONTEXT__IMAGE".equals(Json.text(entry, "name"))) {
          env.add(entry);
        }
      }
    }
    container.set("environment", env);
    for (String field : new String[] {"cpu", "memory"}) {
      if (definition.hasNonNull(field)) {
        definition.put(field, definition.get(field).asText());
      }
    }
    String executionRole =
        config.executionRoleArn() != null ? config.executionRoleArn() : settings.executionRoleArn();
    if (executionRole != null) {
      definition.put("executionRoleArn", executionRole);
    }
    if (!definition.has("requiresCompatibilities")) {
      definition.putArray("requiresCompatibilities").add(fargate ? "FARGATE" : "EC2");
    }
    if (settings.apiKeySecretArn() != null) {
      ArrayNode secrets = Json.arrayAt(container, "secrets");
      for (String name : new String[] {FlowEnvironment.API_KEY, FlowEnvironment.AUTH_TOKEN}) {
        Json.named(secrets, name).put("valueFrom", settings.apiKeySecretArn());
      }
    }
    // A template's own logConfiguration (awslogs or another driver) is kept as it is.
    String logGroup = logs.effectiveLogGroup();
    if (logGroup != null && !container.hasNonNull("logConfiguration")) {
      ObjectNode logging = container.putObject("logConfiguration");
      logging.put("logDriver", "awslogs");
      ObjectNode options = logging.putObject("options");
      options.put("awslogs-group", logGroup);
      options.put("awslogs-region", region);
      options.put("awslogs-stream-prefix", STREAM_PREFIX);
    }
    return definition;
  }

  /**
   * The flow image: Docker storage, run config image, template image, else {@code
   * prefecthq/prefect:<core version>} or {@code latest}.
   */
  static String image(EcsRunConfig config, Flow flow, String templateImage) {
    String storageImage = dockerStorageImage(flow.storage());
    if (storageImage != null) {
      return storageImage;
    }
    if (config.image() != null) {
      return config.image();
    }
    if (templateImage != null) {
      return templateImage;
    }
    String core = flow.coreVersion();
    if (core == null || core.isBlank()) {
      return "prefecthq/prefect:latest";
    }
    int local = core.indexOf("+local");
    return "prefecthq/prefect:" + (local >= 0 ? core.substring(0, local) : core);
  }

  /** {@code registry_url/image_name:image_tag} of a Docker storage, else null. */
  static String dockerStorageImage(JsonNode storage) {
    if (storage == null || !"Docker".equals(Json.text(storage, "type"))) {
      return null;
    }
    String name = Json.text(storage, "image_name");
    if (name == null) {
      return null;
    }
    String registry = Json.text(storage, "registry_url");
    String tag = Json.text(storage, "image_tag");
    String image = registry == null ? name : registry.replaceFirst("/+$", "") + "/" + name;
    return tag == null ? image : image + ":" + tag;
  }

  /** {@code prefect-<slug(flow name)>}: stable across runs, so revisions are reused. */
  static String family(String flowName) {
    String slug = slug(flowName);
    String family = "prefect-" + (slug.isEmpty() ? "flow" : slug);
    return family.length() <= MAX_FAMILY ? family : family.substring(0, MAX_FAMILY);
  }

  static String slug(String text) {
    String ascii =
        Normalizer.normalize(text, Normalizer.Form.NFKD)
            .replaceAll("\\p{M}", "")
            .toLowerCase(Locale.ROOT);
    return ascii.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
  }
}
