package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.config.EcsSettings;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The merge rules of RunTask arguments ({@code merge_run_task_kwargs} of the reference agent) and
 * the agent-level arguments every run starts from. Pure functions on JSON trees.
 */
final class RunTaskKwargs {
  static final String LAUNCH_TYPE = "launchType";
  static final String STRATEGY = "capacityProviderStrategy";

  private RunTaskKwargs() {}

  /**
   * Merges {@code top} over a copy of {@code base}: top-level keys replace, {@code overrides} keys
   * replace, {@code containerOverrides} entries are matched by name and shallow-merged, unmatched
   * ones appended.
   */
  static ObjectNode merge(ObjectNode base, ObjectNode top) {
    ObjectNode result = base == null ? Json.object() : base.deepCopy();
    if (top == null) {
      return result;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("overrides") && e.getValue() instanceof ObjectNode overrides) {
        mergeOverrides(Json.objectAt(result, "overrides"), overrides);
        if (result.get("overrides").isEmpty()) {
          result.remove("overrides");
        }
      } else {
        result.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    return result;
  }

  private static void mergeOverrides(ObjectNode target, ObjectNode top) {
    for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("containerOverrides") && e.getValue() instanceof ArrayNode containers) {
        if (containers.isEmpty()) {
          continue;
        }
        ArrayNode existing = Json.arrayAt(target, "containerOverrides");
        for (JsonNode container : containers) {
          String name = Json.text(container, "name");
          ObjectNode match = name == null ? null : find(existing, name);
          if (match != null && container instanceof ObjectNode object) {
            match.setAll(object.deepCopy());
          } else {
            existing.add(container.deepCopy());
          }
        }
      } else {
        target.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  private static ObjectNode find(ArrayNode array, String name) {
    for (JsonNode element : array) {
      if (element instanceof ObjectNode object && name.equals(Json.text(object, "name"))) {
        return object;
      }
    }
    return null;
  }

  /**
   * Merges {@code top} over {@code base} where a placement ({@code launchType} or {@code
   * capacityProviderStrategy}) in {@code top} replaces the whole placement of {@code base}, so ECS
   * never receives both.
   */
  static ObjectNode mergeWithPlacement(ObjectNode base, ObjectNode top) {
    ObjectNode start = base == null ? Json.object() : base.deepCopy();
    if (top != null && (top.has(LAUNCH_TYPE) || top.has(STRATEGY))) {
      start.remove(LAUNCH_TYPE);
      start.remove(STRATEGY);
    }
    return merge(start, top);
  }

  /** The placement the settings ask for: a launch type, a strategy, or nothing. */
  static ObjectNode placement(EcsSettings settings) {
    ObjectNode placement = Json.object();
    if (settings.launchType() != null) {
      placement.put(LAUNCH_TYPE, settings.launchType());
    } else if (!settings.useClusterDefaultStrategy()) {
      placement.set(STRATEGY, strategy(settings.capacityProviderStrategy()));
    }
    return placement;
  }

  static ArrayNode strategy(List<CapacityProviderItem> items) {
    ArrayNode array = Json.array();
    for (CapacityProviderItem item : items) {
      ObjectNode entry = array.addObject();
      entry.put("capacityProvider", item.provider());
      entry.put("weight", item.weight());
      if (item.base() > 0) {
        entry.put("base", item.base());
      }
    }
    return array;
  }

  /**
   * The arguments every run starts from: settings placement, the {@code --run-task-kwargs} file
   * over it, the settings cluster, and the network configuration (settings, else the file's, else
   * {@code inferredNetwork}).
   */
  static ObjectNode agentKwargs(
      EcsSettings settings, ObjectNode fileKwargs, ObjectNode inferredNetwork) {
    ObjectNode kwargs = mergeWithPlacement(placement(settings), fileKwargs);
    if (settings.cluster() != null) {
      kwargs.put("cluster", settings.cluster());
    }
    if (!settings.subnets().isEmpty()) {
      kwargs.set("networkConfiguration", settingsNetwork(settings));
    } else if (!hasNetwork(kwargs) && inferredNetwork != null) {
      kwargs.set("networkConfiguration", inferredNetwork.deepCopy());
    }
    return kwargs;
  }

  static boolean hasNetwork(ObjectNode kwargs) {
    JsonNode network = kwargs == null ? null : kwargs.get("networkConfiguration");
    return network != null && network.isObject() && !network.isEmpty();
  }

  private static ObjectNode settingsNetwork(EcsSettings settings) {
    ObjectNode network = Json.object();
    ObjectNode awsvpc = network.putObject("awsvpcConfiguration");
    settings.subnets().forEach(awsvpc.putArray("subnets")::add);
    if (!settings.securityGroups().isEmpty()) {
      settings.securityGroups().forEach(awsvpc.putArray("securityGroups")::add);
    }
    if (settings.assignPublicIp() != null) {
      awsvpc.put("assignPublicIp", settings.assignPublicIp() ? "ENABLED" : "DISABLED");
    }
    return network;
  }

  /** True when the arguments place the task on Fargate (launch type or a FARGATE* provider). */
  static boolean onFargate(ObjectNode kwargs, EcsSettings settings) {
    String launchType = Json.text(kwargs, LAUNCH_TYPE);
    if (launchType != null) {
      return launchType.equals("FARGATE");
    }
    JsonNode strategy = kwargs.get(STRATEGY);
    if (strategy != null && strategy.isArray() && !strategy.isEmpty()) {
      for (JsonNode item : strategy) {
        String provider = Json.text(item, "capacityProvider");
        if (provider != null && provider.startsWith("FARGATE")) {
          return true;
        }
      }
      return false;
    }
    return settings.usesFargate();
  }

  /** True when the arguments use a strategy that contains FARGATE_SPOT. */
  static boolean usesSpot(ObjectNode kwargs) {
    JsonNode strategy = kwargs.get(STRATEGY);
    if (strategy == null || !strategy.isArray()) {
      return false;
    }
    for (JsonNode item : strategy) {
      if ("FARGATE_SPOT".equals(Json.text(item, "capacityProvider"))) {
        return true;
      }
    }
    return false;
  }
}
