package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * The Python service's registration mutations ({@code graphql/flows.py}, {@code api/flows.py},
 * {@code api/projects.py}): {@code create_project}, {@code create_flow_from_compressed_string}
 * (versioning by project and name, flow groups, idempotency keys, archiving older versions), {@code
 * register_tasks}, {@code register_edges}, {@code set_schedule_active}. Callers hold the store's
 * lock.
 */
final class FlowRegistration {
  private static final String CORE_VERSION_CUTOFF = "0.6.1";

  private FlowRegistration() {}

  static String createProject(ServerStore store, Map<String, Object> input) {
    String tenantId = (String) input.get("tenant_id");
    String name = (String) input.get("name");
    if (!store.tenants.containsKey(tenantId)) {
      throw new ResolverException("Foreign key violation.");
    }
    if (store.project(tenantId, name) != null) {
      throw new ResolverException("Uniqueness violation.");
    }
    return store.createProject(tenantId, name, (String) input.get("description"));
  }

  /** {@code resolve_create_flow_from_compressed_string}: base64 of gzipped JSON, then create. */
  static String createFlowFromCompressedString(ServerStore store, Map<String, Object> input) {
    JsonNode serializedFlow;
    try (GZIPInputStream gzip =
        new GZIPInputStream(
            new ByteArrayInputStream(
                Base64.getDecoder().decode((String) input.get("serialized_flow"))))) {
      serializedFlow =
          ServerStore.MAPPER.readTree(new String(gzip.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new ResolverException("Unable to decompress serialized flow");
    }
    if (serializedFlow == null || !serializedFlow.isObject()) {
      throw new ResolverException("Unable to decompress serialized flow");
    }
    return createFlow(store, (ObjectNode) serializedFlow, input);
  }

  /** {@code resolve_create_flow} and {@code api.flows.create_flow}. */
  private static String createFlow(
      ServerStore store, ObjectNode serializedFlow, Map<String, Object> input) {
    String projectId = (String) input.get("project_id");
    String versionGroupId = (String) input.get("version_group_id");
    String idempotencyKey = (String) input.get("idempotency_key");
    String name =
        serializedFlow.path("name").isTextual() ? serializedFlow.get("name").asText() : null;
    if (versionGroupId == null || versionGroupId.isEmpty()) {
      // a flow of the same name in the project gives its version group
      versionGroupId =
          store.flows.values().stream()
              .filter(
                  f -> projectId.equals(f.get("project_id")) && Objects.equals(name, f.get("name")))
              .max(Comparator.comparing(f -> (Instant) f.get("created")))
              .map(f -> (String) f.get("version_group_id"))
              .orElse(null);
    }
    String coreVersion = text(serializedFlow.get("__version__"));
    if (coreVersion != null && olderThan(coreVersion, CORE_VERSION_CUTOFF)) {
      throw new ResolverException(
          "Prefect backends require new flows to be built with Prefect "
              + CORE_VERSION_CUTOFF
              + "+, but this flow was built with Prefect "
              + coreVersion
              + ".");
    }
    Map<String, Object> project = store.projects.get(projectId);
    if (project == null) {
      throw new ResolverException("Invalid project.");
    }
    Object tenantId = project.get("tenant_id");
    String group = versionGroupId != null ? versionGroupId : ServerStore.newId();
    Map<String, Object> flowGroup = flowGroup(store, tenantId, group);
    String flowGroupId;
    if (flowGroup == null) {
      flowGroupId = store.createFlowGroup((String) tenantId, group, idempotencyKey);
    } else {
      flowGroupId = (String) flowGroup.get("id");
      ObjectNode settings = (ObjectNode) flowGroup.get("settings");
      String lastKey = text(settings.get("idempotency_key"));
      if (lastKey != null && lastKey.equals(idempotencyKey)) {
        String existing = newestUnarchived(store, group);
        if (existing != null) {
          return existing;
        }
      }
      settings.put("idempotency_key", idempotencyKey);
    }
    int version =
        store.flows.values().stream()
            .filter(
                f ->
                    group.equals(f.get("version_group_id"))
                        && Objects.equals(tenantId, f.get("tenant_id")))
            .mapToInt(f -> f.get("version") == null ? 0 : (Integer) f.get("version"))
            .max()
            .orElse(0);
    Map<String, Object> row = store.row(ServerStore.newId());
    String flowId = (String) row.get("id");
    row.put("tenant_id", tenantId);
    row.put("project_id", projectId);
    row.put("name", name);
    row.put("serialized_flow", serializedFlow.deepCopy());
    row.put("environment", nullable(serializedFlow.get("environment")));
    row.put("run_config", nullable(serializedFlow.get("run_config")));
    row.put("core_version", coreVersion);
    row.put("storage", nullable(serializedFlow.get("storage")));
    row.put("parameters", parameters(serializedFlow.get("parameters")));
    row.put("version_group_id", group);
    row.put("version", version + 1);
    row.put("archived", false);
    row.put("flow_group_id", flowGroupId);
    row.put("description", input.get("description"));
    row.put("schedule", nullable(serializedFlow.get("schedule")));
    row.put("is_schedule_active", false);
    row.put("settings", ServerStore.MAPPER.createObjectNode());
    store.flows.put(flowId, row);
    try {
      TaskRegistration.registerTasks(store, flowId, tenantId, serializedFlow.path("tasks"));
      TaskRegistration.registerEdges(store, flowId, tenantId, serializedFlow.path("edges"));
    } catch (ResolverException e) {
      store.flows.remove(flowId);
      store.tasks.values().removeIf(task -> flowId.equals(task.get("flow_id")));
      store.edges.values().removeIf(edge -> flowId.equals(edge.get("flow_id")));
      throw new ResolverException("Unable to complete operation. An internal API error occurred.");
    }
    boolean activate = !Boolean.FALSE.equals(input.get("set_schedule_active"));
    if (activate && row.get("schedule") != null) {
      setScheduleActive(store, flowId);
    }
    for (Map<String, Object> other : List.copyOf(store.flows.values())) {
      if (group.equals(other.get("version_group_id"))
          && !flowId.equals(other.get("id"))
          && Boolean.FALSE.equals(other.get("archived"))) {
        RunRules.archiveFlow(store, other);
      }
    }
    return flowId;
  }

  /**
   * {@code api.flows.set_schedule_active}: false for an unknown flow or one without a schedule. The
   * double has no scheduler, so a flow with a schedule is refused rather than left without the runs
   * the server would create.
   */
  static boolean setScheduleActive(ServerStore store, String flowId) {
    Map<String, Object> flow = store.flows.get(flowId);
    if (flow == null) {
      return false;
    }
    Map<String, Object> group = store.flowGroups.get((String) flow.get("flow_group_id"));
    if (flow.get("schedule") == null && (group == null || group.get("schedule") == null)) {
      return false;
    }
    throw new ResolverException(
        "the Prefect Server double does not schedule runs from flow schedules; register with"
            + " set_schedule_active=False");
  }

  private static Map<String, Object> flowGroup(ServerStore store, Object tenantId, String name) {
    for (Map<String, Object> group : store.flowGroups.values()) {
      if (Objects.equals(tenantId, group.get("tenant_id")) && name.equals(group.get("name"))) {
        return group;
      }
    }
    return null;
  }

  private static String newestUnarchived(ServerStore store, String group) {
    return store.flows.values().stream()
        .filter(
            f -> group.equals(f.get("version_group_id")) && Boolean.FALSE.equals(f.get("archived")))
        .max(Comparator.comparing(f -> (Integer) f.get("version")))
        .map(f -> (String) f.get("id"))
        .orElse(null);
  }

  /** The flow's parameters as the server keeps them: name, slug, required and default set. */
  private static ArrayNode parameters(JsonNode parameters) {
    ArrayNode result = ServerStore.MAPPER.createArrayNode();
    if (parameters != null && parameters.isArray()) {
      for (JsonNode parameter : parameters) {
        ObjectNode copy = ((ObjectNode) parameter).deepCopy();
        if (!copy.has("name")) {
          copy.putNull("name");
        }
        if (!copy.has("required")) {
          copy.put("required", false);
        }
        if (!copy.has("default")) {
          copy.putNull("default");
        }
        result.add(copy);
      }
    }
    return result;
  }

  private static boolean olderThan(String version, String cutoff) {
    String[] a = version.split("[^0-9]+");
    String[] b = cutoff.split("[^0-9]+");
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int x = i < a.length && !a[i].isEmpty() ? Integer.parseInt(a[i]) : 0;
      int y = i < b.length && !b[i].isEmpty() ? Integer.parseInt(b[i]) : 0;
      if (x != y) {
        return x < y;
      }
    }
    return false;
  }

  private static JsonNode nullable(JsonNode node) {
    return node == null || node.isNull() ? null : node.deepCopy();
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
