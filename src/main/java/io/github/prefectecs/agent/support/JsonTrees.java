package io.github.prefectecs.agent.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text to and from Jackson trees with Jackson's streaming parser and generator, without an
 * {@code ObjectMapper}: the agent only ever handles trees, and a mapper brings Jackson's whole
 * data-binding machinery (~300 classes, its caches) into a daemon that must stay small.
 *
 * <p>Trees come out as {@code ObjectMapper.readTree} makes them with its defaults: whole numbers as
 * int, long or big-integer nodes by size, fractions as double nodes, the last of duplicate keys
 * wins, content after the first value is ignored, and empty input is a {@link MissingNode}.
 *
 * <p>Thread-safe.
 */
public final class JsonTrees {
  private static final JsonFactory FACTORY = JsonFactory.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  public static ObjectNode object() {
    return NODES.objectNode();
  }

  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * The tree of a JSON text.
   *
   * @throws JsonProcessingException when the text is not JSON
   */
  public static JsonNode read(String text) throws JsonProcessingException {
    try (JsonParser parser = FACTORY.createParser(text)) {
      return read(parser);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not from a String
    }
  }

  /**
   * The tree of a JSON document.
   *
   * @throws JsonProcessingException when the bytes are not JSON
   */
  public static JsonNode read(byte[] document) throws JsonProcessingException {
    try (JsonParser parser = FACTORY.createParser(document)) {
      return read(parser);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not from a byte array
    }
  }

  /** A tree as compact JSON text. */
  public static String write(JsonNode node) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      write(generator, node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a JSON tree", e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator out, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        out.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          out.writeFieldName(field.getKey());
          write(out, field.getValue());
        }
        out.writeEndObject();
      }
      case ARRAY -> {
        out.writeStartArray();
        for (JsonNode element : node) {
          write(out, element);
        }
        out.writeEndArray();
      }
      case STRING -> out.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> out.writeNumber(node.intValue());
          case LONG -> out.writeNumber(node.longValue());
          case BIG_INTEGER -> out.writeNumber(node.bigIntegerValue());
          case FLOAT -> out.writeNumber(node.floatValue());
          case BIG_DECIMAL -> out.writeNumber(node.decimalValue());
          default -> out.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> out.writeBoolean(node.booleanValue());
      case BINARY -> out.writeBinary(node.binaryValue());
      default -> out.writeNull(); // null, and the missing or POJO nodes the agent never builds
    }
  }

  /**
   * The tree of the first value {@code parser} reads (any Jackson format's parser: JSON, YAML); the
   * caller closes the parser.
   *
   * @throws JsonProcessingException when the input is not well-formed
   */
  public static JsonNode read(JsonParser parser) throws IOException {
    JsonToken first = parser.nextToken();
    return first == null ? MissingNode.getInstance() : value(parser, first);
  }

  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    if (token == null) {
      throw new com.fasterxml.jackson.core.JsonParseException(parser, "unexpected end of input");
    }
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
          object.set(name, value(parser, parser.nextToken()));
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          array.add(value(parser, t));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        return switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new com.fasterxml.jackson.core.JsonParseException(
            parser, "unexpected " + token + " in a JSON value");
    }
  }
}
