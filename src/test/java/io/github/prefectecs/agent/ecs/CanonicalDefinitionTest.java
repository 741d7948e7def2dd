package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The canonical form and hash decide whether a registered revision can be reused. */
class CanonicalDefinitionTest {
  private static final String BASE =
      "{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"i\","
          + "\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}";

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "key order|{\"containerDefinitions\":[{\"image\":\"i\",\"environment\":[{\"value\":\"1\",\"name\":\"A\"},{\"name\":\"B\",\"value\":\"2\"}],\"name\":\"flow\"}],\"cpu\":\"1024\",\"family\":\"f\"}",
        "env order|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"i\",\"environment\":[{\"name\":\"B\",\"value\":\"2\"},{\"name\":\"A\",\"value\":\"1\"}]}]}",
        "nulls and empties|{\"family\":\"f\",\"cpu\":\"1024\",\"tags\":[],\"volumes\":null,\"placementConstraints\":[],\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"i\",\"secrets\":[],\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}",
        "explicit essential default|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"essential\":true,\"image\":\"i\",\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}"
      })
  void hashIsStableUnderFormattingChanges(String label, String variant) {
    assertThat(CanonicalDefinition.of(json(variant)).sha256())
        .isEqualTo(CanonicalDefinition.of(json(BASE)).sha256());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "image|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"j\",\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}",
        "env value|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"i\",\"environment\":[{\"name\":\"A\",\"value\":\"9\"},{\"name\":\"B\",\"value\":\"2\"}]}]}",
        "cpu|{\"family\":\"f\",\"cpu\":\"2048\",\"containerDefinitions\":[{\"name\":\"flow\",\"image\":\"i\",\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}",
        "not essential|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"flow\",\"essential\":false,\"image\":\"i\",\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}",
        "container order|{\"family\":\"f\",\"cpu\":\"1024\",\"containerDefinitions\":[{\"name\":\"side\"},{\"name\":\"flow\",\"image\":\"i\",\"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}]}"
      })
  void hashChangesWhenContentChanges(String label, String variant) {
    assertThat(CanonicalDefinition.of(json(variant)).sha256())
        .isNotEqualTo(CanonicalDefinition.of(json(BASE)).sha256());
  }

  @org.junit.jupiter.api.Test
  void canonicalFormIsSortedAndCarriesTheFamily() {
    CanonicalDefinition canonical = CanonicalDefinition.of(json(BASE));

    assertThat(canonical.family()).isEqualTo("f");
    assertThat(Json.write(canonical.definition()))
        .isEqualTo(
            "{\"containerDefinitions\":[{\"environment\":[{\"name\":\"A\",\"value\":\"1\"},"
                + "{\"name\":\"B\",\"value\":\"2\"}],\"essential\":true,\"image\":\"i\",\"name\":\"flow\"}],"
                + "\"cpu\":\"1024\",\"family\":\"f\"}");
    assertThat(canonical.sha256()).hasSize(64);
  }
}
