package io.github.prefectecs.agent.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.utils.builder.SdkBuilder;

/**
 * Fills an AWS SDK request builder from a JSON tree (a rendered task definition, RunTask arguments)
 * by the SDK's own field metadata: each field is matched by its wire name, as the reference agent's
 * boto3 keyword arguments name it ({@code networkConfiguration}, {@code containerDefinitions},
 * ...), nested objects become the SDK's nested models, and the scalars follow the field's type.
 *
 * <p>Why not Jackson's bean binding onto the SDK's serializable builders, as before: Jackson reads
 * every setter of every model the request can reach to build its deserializers, which loads ~640
 * classes (most of the ECS model, three classes per type) and keeps their deserializers on the heap
 * for the life of the agent. Here only the models a document holds are touched.
 *
 * <p>Values are read as Jackson read them: a number or a boolean given for a text field is its text
 * ({@code cpu: 1024} is {@code "1024"}), a number or {@code true}/{@code false} given as text is
 * read as such for a number or boolean field, and a JSON {@code null} leaves the field unset.
 * Unlike Jackson, a fraction given for a whole-number field is refused instead of truncated.
 *
 * <p>Thread-safe; the field tables of the models seen are kept (a few dozen small maps).
 */
public final class SdkTrees {
  private static final Map<Class<?>, Map<String, SdkField<?>>> FIELDS = new ConcurrentHashMap<>();

  private SdkTrees() {}

  /** Why a tree does not fit the request: one line naming the field. */
  public static final class Mismatch extends Exception {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * {@code builder} with every field of {@code tree} set.
   *
   * @throws Mismatch for a field the request does not have or a value of the wrong kind
   */
  public static <B extends SdkPojo> B fill(B builder, JsonNode tree) throws Mismatch {
    if (!tree.isObject()) {
      throw new Mismatch("expected an object, got " + kind(tree));
    }
    fillObject(builder, tree, "");
    return builder;
  }

  private static void fillObject(SdkPojo builder, JsonNode tree, String path) throws Mismatch {
    Map<String, SdkField<?>> fields = fieldsOf(builder);
    for (Iterator<Entry<String, JsonNode>> entries = tree.fields(); entries.hasNext(); ) {
      Entry<String, JsonNode> entry = entries.next();
      String at = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
      SdkField<?> field = fields.get(entry.getKey());
      if (field == null) {
        throw new Mismatch("unknown field `" + at + "`");
      }
      if (!entry.getValue().isNull()) {
        field.set(builder, value(field, entry.getValue(), at));
      }
    }
  }

  private static Object value(SdkField<?> field, JsonNode node, String at) throws Mismatch {
    MarshallingType<?> type = field.marshallingType();
    if (type == MarshallingType.STRING) {
      if (node.isValueNode()) {
        return node.asText();
      }
      throw bad(at, "text", node);
    }
    if (type == MarshallingType.INTEGER
        || type == MarshallingType.LONG
        || type == MarshallingType.SHORT
        || type == MarshallingType.BYTE) {
      BigDecimal number = number(node, at, "a whole number");
      try {
        if (type == MarshallingType.LONG) {
          return number.longValueExact();
        }
        if (type == MarshallingType.SHORT) {
          return number.shortValueExact();
        }
        return type == MarshallingType.BYTE ? number.byteValueExact() : number.intValueExact();
      } catch (ArithmeticException e) {
        throw bad(at, "a whole number in range", node);
      }
    }
    if (type == MarshallingType.DOUBLE) {
      return number(node, at, "a number").doubleValue();
    }
    if (type == MarshallingType.FLOAT) {
      return number(node, at, "a number").floatValue();
    }
    if (type == MarshallingType.BIG_DECIMAL) {
      return number(node, at, "a number");
    }
    if (type == MarshallingType.BOOLEAN) {
      if (node.isBoolean()) {
        return node.booleanValue();
      }
      String text = node.isTextual() ? node.textValue().strip() : null;
      if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
        return Boolean.valueOf(text);
      }
      if (node.isIntegralNumber() && (node.asLong() == 0 || node.asLong() == 1)) {
        return node.asLong() == 1;
      }
      throw bad(at, "true or false", node);
    }
    if (type == MarshallingType.INSTANT) {
      return instant(node, at);
    }
    if (type == MarshallingType.SDK_POJO) {
      if (!node.isObject()) {
        throw bad(at, "an object", node);
      }
      SdkPojo nested = field.constructor().get();
      fillObject(nested, node, at);
      return ((SdkBuilder<?, ?>) nested).build();
    }
    if (type == MarshallingType.LIST) {
      if (!node.isArray()) {
        throw bad(at, "a list", node);
      }
      SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
      List<Object> list = new ArrayList<>(node.size());
      for (int i = 0; i < node.size(); i++) {
        JsonNode element = node.get(i);
        list.add(element.isNull() ? null : value(member, element, at + "[" + i + "]"));
      }
      return list;
    }
    if (type == MarshallingType.MAP) {
      if (!node.isObject()) {
        throw bad(at, "an object (a map)", node);
      }
      SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
      Map<String, Object> map = new LinkedHashMap<>();
      for (Iterator<Entry<String, JsonNode>> entries = node.fields(); entries.hasNext(); ) {
        Entry<String, JsonNode> entry = entries.next();
        JsonNode element = entry.getValue();
        map.put(
            entry.getKey(),
            element.isNull() ? null : value(member, element, at + "." + entry.getKey()));
      }
      return map;
    }
    throw new Mismatch("field `" + at + "` (" + type + ") cannot be given in a document");
  }

  private static BigDecimal number(JsonNode node, String at, String expected) throws Mismatch {
    if (node.isNumber()) {
      return node.decimalValue();
    }
    if (node.isTextual()) {
      try {
        return new BigDecimal(node.textValue().strip());
      } catch (NumberFormatException e) {
        throw bad(at, expected, node);
      }
    }
    throw bad(at, expected, node);
  }

  private static Instant instant(JsonNode node, String at) throws Mismatch {
    if (node.isNumber()) {
      BigDecimal seconds = node.decimalValue();
      return Instant.ofEpochSecond(
          seconds.longValue(),
          seconds.remainder(BigDecimal.ONE).movePointRight(9).abs().longValue());
    }
    if (node.isTextual()) {
      try {
        return Instant.parse(node.textValue().strip());
      } catch (DateTimeParseException e) {
        throw bad(at, "an ISO-8601 instant or epoch seconds", node);
      }
    }
    throw bad(at, "an ISO-8601 instant or epoch seconds", node);
  }

  private static Mismatch bad(String at, String expected, JsonNode node) {
    return new Mismatch("bad value at `" + at + "`: expected " + expected + ", got " + kind(node));
  }

  private static String kind(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "a list";
    }
    String text = node.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }

  private static Map<String, SdkField<?>> fieldsOf(SdkPojo builder) {
    return FIELDS.computeIfAbsent(
        builder.getClass(),
        type -> {
          Map<String, SdkField<?>> byName = new LinkedHashMap<>();
          for (SdkField<?> field : builder.sdkFields()) {
            byName.put(field.locationName(), field);
          }
          return Collections.unmodifiableMap(byName);
        });
  }
}
