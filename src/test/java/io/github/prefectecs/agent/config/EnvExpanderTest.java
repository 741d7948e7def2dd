package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvExpanderTest {
  private final EnvExpander expander =
      new EnvExpander(
          Map.of("REGION", "eu-west-1", "NESTED", "$REGION-x", "EMPTY", ""),
          Path.of("/home/agent"));

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "$REGION|eu-west-1",
        "${REGION}|eu-west-1",
        "a-$REGION-b|a-eu-west-1-b",
        "$NESTED|eu-west-1-x",
        "$UNKNOWN|$UNKNOWN",
        "${cloud.api}/graphql|${cloud.api}/graphql",
        "${${backend}.endpoint}|${${backend}.endpoint}",
        "x${EMPTY}y|xy",
        "~|/home/agent",
        "~/.prefect/config.toml|/home/agent/.prefect/config.toml",
        "a~b|a~b",
        "~other/x|~other/x",
        "plain|plain"
      })
  void expandsVariablesAndHome(String input, String expected) {
    assertThat(expander.expand(input)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"$SELF"})
  void stopsAfterTenRoundsOnSelfReference(String input) {
    EnvExpander selfish = new EnvExpander(Map.of("SELF", "x$SELF"), Path.of("/h"));
    assertThat(selfish.expand(input)).isEqualTo("x".repeat(10) + "$SELF");
  }
}
