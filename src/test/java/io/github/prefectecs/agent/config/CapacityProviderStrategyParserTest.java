package io.github.prefectecs.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CapacityProviderStrategyParserTest {

  @Test
  void parsesWeightsAndBasesInOrder() {
    List<String> issues = new ArrayList<>();
    var parsed =
        CapacityProviderStrategyParser.parse(
            "FARGATE_SPOT:weight=3:base=1, FARGATE:weight=2", issues);
    assertThat(issues).isEmpty();
    assertThat(parsed.clusterDefault()).isFalse();
    assertThat(parsed.items())
        .containsExactly(
            new CapacityProviderItem("FARGATE_SPOT", 3, 1),
            new CapacityProviderItem("FARGATE", 2, 0));
  }

  @Test
  void omittedWeightIsOne() {
    var parsed = CapacityProviderStrategyParser.parse("my-ec2-provider", new ArrayList<>());
    assertThat(parsed.items()).containsExactly(new CapacityProviderItem("my-ec2-provider", 1, 0));
  }

  @Test
  void defaultMeansTheClusterDefault() {
    var parsed = CapacityProviderStrategyParser.parse("Default", new ArrayList<>());
    assertThat(parsed.clusterDefault()).isTrue();
    assertThat(parsed.items()).isEmpty();
  }

  @Test
  void parsesAnArrayOfTables() {
    List<String> issues = new ArrayList<>();
    var parsed =
        CapacityProviderStrategyParser.parse(
            List.of(
                Map.of("provider", "FARGATE_SPOT", "weight", 4L),
                Map.of("provider", "FARGATE", "weight", 1L, "base", 2L)),
            issues);
    assertThat(issues).isEmpty();
    assertThat(parsed.items())
        .containsExactly(
            new CapacityProviderItem("FARGATE_SPOT", 4, 0),
            new CapacityProviderItem("FARGATE", 1, 2));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "FARGATE:base=1,FARGATE_SPOT:base=2|only one capacity provider may have a base",
        "FARGATE:weight=0|at least one capacity provider needs a weight above 0",
        "FARGATE:weight=1001|weight 1001 is outside 0..1000",
        "FARGATE:weight=-1|weight -1 is outside 0..1000",
        "FARGATE:base=100001|base 100001 is outside 0..100000",
        "FARGATE:weight=x|cannot read \"weight=x\"",
        "FARGATE:size=2|cannot read \"size=2\"",
        "FARGATE:weight|cannot read \"weight\"",
        "FARGATE,,FARGATE_SPOT|an item has no provider name",
        ":weight=1|an item has no provider name",
        "FARGATE,FARGATE|FARGATE is listed twice"
      })
  void rejectsBadStrategies(String text, String expected) {
    List<String> issues = new ArrayList<>();
    assertThat(CapacityProviderStrategyParser.parse(text, issues)).isNull();
    assertThat(issues).anySatisfy(issue -> assertThat(issue).contains(expected));
  }

  @Test
  void rejectsBadTableItems() {
    List<String> issues = new ArrayList<>();
    assertThat(
            CapacityProviderStrategyParser.parse(
                List.of(Map.of("weight", 1L), Map.of("provider", "F", "weight", "3"), "x"), issues))
        .isNull();
    assertThat(issues)
        .anySatisfy(i -> assertThat(i).contains("no provider name"))
        .anySatisfy(i -> assertThat(i).contains("weight and base must be whole numbers"))
        .anySatisfy(i -> assertThat(i).contains("must be a table"));
  }

  @Test
  void rejectsOtherTypes() {
    List<String> issues = new ArrayList<>();
    assertThat(CapacityProviderStrategyParser.parse(5L, issues)).isNull();
    assertThat(issues).singleElement().asString().contains("expected a string like");
  }
}
