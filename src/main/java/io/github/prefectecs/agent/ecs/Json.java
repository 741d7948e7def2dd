package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.prefectecs.agent.support.JsonTrees;

/** Shared Jackson mappers and small tree helpers for task definitions and RunTask arguments. */
final class Json {

  private Json() {}

  /**
   * A YAML or JSON document as a tree. A document that opens with <code>{</code> is read as JSON
   * first, without loading YAML support; YAML (a superset of JSON) reads whatever else, and has the
   * last word on a document that is not strict JSON.
   */
  static JsonNode readYamlOrJson(byte[] document) throws java.io.IOException {
    int i = 0;
    if (document.length >= 3
        && (document[0] & 0xff) == 0xEF
        && (document[1] & 0xff) == 0xBB
        && (document[2] & 0xff) == 0xBF) {
      i = 3; // a UTF-8 byte order mark
    }
    while (i < document.length && Character.isWhitespace(document[i])) {
      i++;
    }
    if (i < document.length && document[i] == '{') {
      try {
        return JsonTrees.read(document);
      } catch (com.fasterxml.jackson.core.JsonProcessingException notStrictJson) {
        // YAML decides: `{a: 1}` is YAML, not JSON.
      }
    }
    try (JsonParser yaml = YamlHolder.FACTORY.createParser(document)) {
      return JsonTrees.read(yaml);
    }
  }

  /**
   * YAML's streaming parser, built on first use: YAML support (SnakeYAML and Jackson's YAML format,
   * ~110 classes) is loaded only by an agent that reads a YAML document.
   */
  private static final class YamlHolder {
    static final YAMLFactory FACTORY = YAMLFactory.builder().build();
  }

  static ArrayNode array() {
    return JsonTrees.array();
  }

  static ObjectNode object() {
    return JsonTrees.object();
  }

  /** The object under {@code field}, created when absent or not an object. */
  static ObjectNode objectAt(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node instanceof ObjectNode object) {
      return object;
    }
    return parent.putObject(field);
  }

  /** The array under {@code field}, created when absent or not an array. */
  static ArrayNode arrayAt(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node instanceof ArrayNode array) {
      return array;
    }
    return parent.putArray(field);
  }

  /** The element of {@code array} whose {@code name} is {@code name}, appended when missing. */
  static ObjectNode named(ArrayNode array, String name) {
    for (JsonNode element : array) {
      if (element instanceof ObjectNode object && name.equals(object.path("name").asText(null))) {
        return object;
      }
    }
    ObjectNode added = array.addObject();
    added.put("name", name);
    return added;
  }

  /** Text of a field, or null when absent, null or blank. */
  static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    if (value == null || value.isNull() || value.isContainerNode()) {
      return null;
    }
    String text = value.asText();
    return text.isBlank() ? null : text;
  }

  static String write(JsonNode node) {
    return JsonTrees.write(node);
  }
}
