package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * A rendered task definition in canonical form (keys sorted, nulls and empties dropped, ECS
 * defaults applied, environment and secrets sorted by name) and its SHA-256, which identifies a
 * registered revision that can be reused.
 *
 * @param definition the canonical definition, as registered
 * @param family its family
 * @param sha256 hex SHA-256 of the canonical JSON
 */
record CanonicalDefinition(ObjectNode definition, String family, String sha256) {

  /** The tag key that carries the hash on registered revisions. */
  static final String HASH_TAG = "prefect-agent:td-sha256";

  private static final List<String> SORTED_BY_NAME =
      List.of("environment", "secrets", "environmentFiles");

  static CanonicalDefinition of(ObjectNode rendered) {
    ObjectNode canonical = (ObjectNode) canonicalise(applyDefaults(rendered.deepCopy()), null);
    if (canonical == null) {
      canonical = Json.object();
    }
    String json = Json.write(canonical);
    return new CanonicalDefinition(canonical, Json.text(canonical, "family"), sha256(json));
  }

  private static ObjectNode applyDefaults(ObjectNode definition) {
    JsonNode containers = definition.get("containerDefinitions");
    if (containers != null && containers.isArray()) {
      for (JsonNode container : containers) {
        if (container instanceof ObjectNode object && !object.hasNonNull("essential")) {
          object.put("essential", true);
        }
      }
    }
    return definition;
  }

  private static JsonNode canonicalise(JsonNode node, String field) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.fields()
          .forEachRemaining(
              e -> {
                JsonNode value = canonicalise(e.getValue(), e.getKey());
                if (value != null) {
                  sorted.put(e.getKey(), value);
                }
              });
      if (sorted.isEmpty()) {
        return null;
      }
      ObjectNode object = Json.object();
      sorted.forEach(object::set);
      return object;
    }
    if (node.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      for (JsonNode item : node) {
        JsonNode value = canonicalise(item, null);
        if (value != null) {
          items.add(value);
        }
      }
      if (items.isEmpty()) {
        return null;
      }
      if (SORTED_BY_NAME.contains(field)) {
        items.sort(Comparator.comparing(item -> item.path("name").asText("")));
      }
      ArrayNode array = Json.array();
      items.forEach(array::add);
      return array;
    }
    if (node.isTextual() && node.asText().isEmpty()) {
      return null;
    }
    return node;
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JVM", e);
    }
  }
}
