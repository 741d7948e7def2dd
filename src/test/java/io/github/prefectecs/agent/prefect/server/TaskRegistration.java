package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code api.flows.register_tasks} and {@code register_edges}: a flow's tasks become {@code task}
 * rows (one per slug; the flow runner finds them by slug) and its edges {@code edge} rows. Callers
 * hold the store's lock.
 */
final class TaskRegistration {
  private TaskRegistration() {}

  /** {@code api.flows.register_tasks}: new slugs become task rows and join the serialized flow. */
  static void registerTasks(ServerStore store, String flowId, Object tenantId, JsonNode tasks) {
    Map<String, Object> flow = store.flows.get(flowId);
    if (flow == null) {
      throw new ResolverException(
          tasks.isEmpty()
              ? "'NoneType' object has no attribute 'serialized_flow'"
              : "Foreign key violation.");
    }
    if (!tasks.isArray() && !tasks.isMissingNode()) {
      throw new ResolverException("value is not a valid list");
    }
    Map<String, Object> slugs = taskIdsBySlug(store, flowId);
    for (JsonNode task : tasks) {
      String slug = FlowRegistration.text(task.get("slug"));
      if (slug == null) {
        throw new ResolverException("1 validation error for TaskSchema\nslug\n  field required");
      }
      if (slugs.containsKey(slug)) {
        continue; // on_conflict (flow_id, slug): do nothing
      }
      String id =
          FlowRegistration.text(task.get("id")) != null
              ? task.get("id").asText()
              : ServerStore.newId();
      Map<String, Object> row = store.insertTask(tenantId, flowId, id);
      row.put("name", FlowRegistration.text(task.get("name")));
      row.put("slug", slug);
      row.put("type", FlowRegistration.text(task.get("type")));
      row.put(
          "max_retries", task.path("max_retries").isNumber() ? task.get("max_retries").asInt() : 0);
      row.put(
          "tags",
          task.path("tags").isArray()
              ? task.get("tags").deepCopy()
              : ServerStore.MAPPER.createArrayNode());
      row.put("retry_delay", retryDelay(task.get("retry_delay")));
      JsonNode trigger = task.get("trigger");
      row.put(
          "trigger",
          trigger != null && trigger.isObject()
              ? FlowRegistration.text(trigger.get("fn"))
              : FlowRegistration.text(trigger));
      row.put("auto_generated", task.path("auto_generated").asBoolean(false));
      row.put("cache_key", FlowRegistration.text(task.get("cache_key")));
      slugs.put(slug, id);
    }
    ObjectNode serialized = (ObjectNode) flow.get("serialized_flow");
    if (serialized != null) {
      ArrayNode current =
          serialized.path("tasks").isArray()
              ? (ArrayNode) serialized.get("tasks")
              : serialized.putArray("tasks");
      List<String> known = new ArrayList<>();
      current.forEach(t -> known.add(t.path("slug").asText()));
      for (JsonNode task : tasks) {
        if (!known.contains(task.path("slug").asText())) {
          current.add(task.deepCopy());
          known.add(task.path("slug").asText());
        }
      }
    }
  }

  /** {@code api.flows.register_edges}: edges between the flow's tasks, by slug. */
  static void registerEdges(ServerStore store, String flowId, Object tenantId, JsonNode edges) {
    Map<String, Object> slugs = taskIdsBySlug(store, flowId);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode edge : edges) {
      Object upstream = slugs.get(slugOf(edge.get("upstream_task")));
      Object downstream = slugs.get(slugOf(edge.get("downstream_task")));
      if (upstream == null || downstream == null) {
        throw new ResolverException(
            "Edges could not be registered - some edges reference tasks that do not exist within"
                + " this flow.");
      }
      Map<String, Object> row = store.row(ServerStore.newId());
      row.put("tenant_id", tenantId);
      row.put("flow_id", flowId);
      row.put("upstream_task_id", upstream);
      row.put("downstream_task_id", downstream);
      row.put("key", FlowRegistration.text(edge.get("key")));
      row.put("mapped", edge.path("mapped").asBoolean(false));
      rows.add(row);
    }
    for (Map<String, Object> row : rows) {
      boolean known =
          store.edges.values().stream()
              .anyMatch(
                  e ->
                      e.get("flow_id").equals(flowId)
                          && e.get("upstream_task_id").equals(row.get("upstream_task_id"))
                          && e.get("downstream_task_id").equals(row.get("downstream_task_id")));
      if (!known) {
        store.edges.put((String) row.get("id"), row);
      }
    }
  }

  private static Map<String, Object> taskIdsBySlug(ServerStore store, String flowId) {
    Map<String, Object> slugs = new HashMap<>();
    for (Map<String, Object> task : store.tasks.values()) {
      if (flowId.equals(task.get("flow_id"))) {
        slugs.put((String) task.get("slug"), task.get("id"));
      }
    }
    return slugs;
  }

  /** Core sends a task of an edge as an abbreviated object with its slug. */
  private static String slugOf(JsonNode task) {
    return task != null && task.isObject()
        ? FlowRegistration.text(task.get("slug"))
        : FlowRegistration.text(task);
  }

  /** Core serializes a retry delay in seconds; pydantic reads a number or an ISO duration. */
  private static Object retryDelay(JsonNode delay) {
    if (delay == null || delay.isNull()) {
      return null;
    }
    return delay.isNumber()
        ? PgInterval.seconds(new BigDecimal(delay.asText()))
        : PgInterval.parse(delay.asText());
  }
}
