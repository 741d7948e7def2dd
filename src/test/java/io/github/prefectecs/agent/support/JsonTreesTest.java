package io.github.prefectecs.agent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JsonTrees} against {@code ObjectMapper}'s defaults, which the agent used before. */
class JsonTreesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final List<String> DOCUMENTS =
      List.of(
          "{\"data\":{\"flow_run\":[{\"id\":\"a\",\"version\":3,\"state\":\"Running\","
              + "\"heartbeat\":null,\"labels\":[\"x\",\"y\"],\"ok\":true,\"no\":false}]}}",
          "{\"errors\":[{\"message\":\"Unauthenticated\",\"extensions\":{\"code\":\"UNAUTH\"}}]}",
          "{\"int\":2147483647,\"long\":2147483648,\"big\":123456789012345678901234567890,"
              + "\"neg\":-5,\"frac\":1.25,\"exp\":5.5e2,\"zero\":0.0}",
          "{\"dup\":1,\"dup\":2}",
          "{\"text\":\"line\\nbreak \\u00e9 \\\"quoted\\\" \\ud83d\\ude00\"}",
          "[1,[2,[3,{}]],[]]",
          "\"just text\"",
          "42",
          "null",
          "  {\"a\": 1}  trailing is ignored");

  @Test
  void reads_every_document_as_object_mapper_reads_it() throws Exception {
    for (String document : DOCUMENTS) {
      JsonNode expected = MAPPER.readTree(document);
      assertThat(JsonTrees.read(document)).as(document).isEqualTo(expected);
      assertThat(JsonTrees.read(document.getBytes(StandardCharsets.UTF_8)))
          .as(document)
          .isEqualTo(expected);
    }
  }

  @Test
  void numbers_keep_the_node_types_object_mapper_gives() throws Exception {
    JsonNode numbers = JsonTrees.read(DOCUMENTS.get(2));

    assertThat(numbers.get("int").isInt()).isTrue();
    assertThat(numbers.get("long").isLong()).isTrue();
    assertThat(numbers.get("big").isBigInteger()).isTrue();
    assertThat(numbers.get("frac").isDouble()).isTrue();
    assertThat(numbers.get("exp").doubleValue()).isEqualTo(550.0);
  }

  @Test
  void writes_what_object_mapper_writes() throws Exception {
    for (String document : DOCUMENTS) {
      JsonNode tree = MAPPER.readTree(document);
      assertThat(JsonTrees.write(tree)).as(document).isEqualTo(MAPPER.writeValueAsString(tree));
    }
  }

  @Test
  void empty_input_is_a_missing_node_and_broken_json_fails() {
    assertThat(catching(() -> JsonTrees.read("")).isMissingNode()).isTrue();
    assertThat(catching(() -> JsonTrees.read("   ")).isMissingNode()).isTrue();
    for (String broken : List.of("{\"a\":", "{\"a\" 1}", "[1,2", "<html>", "{\"a\":tru}")) {
      assertThatThrownBy(() -> JsonTrees.read(broken))
          .as(broken)
          .isInstanceOf(JsonProcessingException.class);
    }
  }

  private interface Read {
    JsonNode get() throws Exception;
  }

  private static JsonNode catching(Read read) {
    try {
      return read.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
