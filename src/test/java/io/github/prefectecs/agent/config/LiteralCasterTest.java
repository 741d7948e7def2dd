package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LiteralCasterTest {

  static Stream<Arguments> casts() {
    return Stream.of(
        Arguments.of("true", true),
        Arguments.of("TRUE", true),
        Arguments.of("tRuE", true),
        Arguments.of("False", false),
        Arguments.of("false", false),
        Arguments.of("123", 123L),
        Arguments.of("-7", -7L),
        Arguments.of("1_000", 1000L),
        Arguments.of("0", 0L),
        Arguments.of("007", "007"), // a leading zero is not a Python int literal
        Arguments.of("99999999999999999999999", "99999999999999999999999"),
        Arguments.of("1.5", 1.5),
        Arguments.of("-0.25", -0.25),
        Arguments.of("1e3", 1000.0),
        Arguments.of(".5", 0.5),
        Arguments.of("None", null),
        Arguments.of("null", "null"), // only Python's spelling at top level
        Arguments.of("none", "none"),
        Arguments.of("\"quoted\"", "quoted"),
        Arguments.of("'single'", "single"),
        Arguments.of("'it\\'s'", "it's"),
        Arguments.of("\"123\"", "123"),
        Arguments.of("[]", List.of()),
        Arguments.of("{}", Map.of()),
        Arguments.of("[\"dev\", \"staging\"]", List.of("dev", "staging")),
        Arguments.of("['dev', 'staging']", List.of("dev", "staging")),
        Arguments.of("('a', 'b')", List.of("a", "b")),
        Arguments.of("[1, 2.5, true, null, None]", Arrays.asList(1L, 2.5, true, null, null)),
        Arguments.of("[[1, 2], {'k': [3]}]", List.of(List.of(1L, 2L), Map.of("k", List.of(3L)))),
        Arguments.of("{\"A\": \"b\", 'C': 1}", ordered("A", "b", "C", 1L)),
        Arguments.of(
            "{\"ACCESS_KEY\": \"AK\", \"N\": {\"x\": false}}",
            ordered("ACCESS_KEY", "AK", "N", Map.of("x", false))),
        Arguments.of("http://localhost:4200", "http://localhost:4200"),
        Arguments.of("dev", "dev"),
        Arguments.of("", ""),
        Arguments.of("[unclosed", "[unclosed"),
        Arguments.of("[1, 2] extra", "[1, 2] extra"),
        Arguments.of("{'a' 1}", "{'a' 1}"),
        Arguments.of(
            "FARGATE_SPOT:weight=3,FARGATE:weight=2", "FARGATE_SPOT:weight=3,FARGATE:weight=2"),
        Arguments.of("${server.host}:${server.port}", "${server.host}:${server.port}"),
        Arguments.of("007.5", 7.5),
        Arguments.of("  42  ", 42L));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("casts")
  void castsLikePrefect(String input, Object expected) {
    assertThat(LiteralCaster.cast(input)).isEqualTo(expected);
  }

  private static Map<Object, Object> ordered(Object... kv) {
    Map<Object, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
