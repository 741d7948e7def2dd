package io.github.prefectecs.agent.world;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerSpecsTest {
  private static final RunnerSettings SETTINGS =
      RunnerSettings.forTests(Path.of("/tmp/tasks"))
          .withBinDirs(List.of(Path.of("/venv/bin")))
          .withImageEnvironment(Map.of("LANG", "C.UTF-8"));

  private static JsonNode json(String text) throws Exception {
    return MotoWire.JSON.readTree(text.replace('\'', '"'));
  }

  private static ContainerSpec flow(String container, String overrides) throws Exception {
    JsonNode definition = json("{'containerDefinitions': [" + container + "]}");
    return ContainerSpecs.resolve(
            definition,
            overrides == null ? null : json(overrides),
            "abc123",
            Path.of("/tmp/tasks/abc123"),
            SETTINGS)
        .get(0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "command only | 'command': ['echo', 'hi'] | | echo hi",
        "override replaces the command | 'command': ['echo', 'hi'] | 'command': ['/bin/sh', '-c',"
            + " 'prefect execute flow-run'] | /bin/sh -c prefect execute flow-run",
        "entry point then command | 'entryPoint': ['tini', '--'], 'command': ['run'] | | tini --"
            + " run",
        "entry point keeps, override replaces the command | 'entryPoint': ['tini', '--'],"
            + " 'command': ['run'] | 'command': ['other'] | tini -- other",
        "override without a command keeps the definition's | 'command': ['run'] | 'environment':"
            + " [] | run",
        "nothing: the image's own command | 'image': 'x' | | ''",
      })
  void argvFollowsDockersEntryPointAndCommandRules(
      String name, String container, String override, String argv) throws Exception {
    String overrides =
        override == null ? null : "{'containerOverrides': [{'name': 'flow', " + override + "}]}";
    ContainerSpec spec = flow("{'name': 'flow', " + container + "}", overrides);
    assertThat(String.join(" ", spec.argv())).isEqualTo(argv);
    assertThat(spec.runsProcess()).isEqualTo(!argv.isEmpty());
  }

  @Test
  void overrideEnvironmentWinsByNameOverTheDefinitionsAndTheImagesLayer() throws Exception {
    ContainerSpec spec =
        flow(
            "{'name': 'flow', 'environment': [{'name': 'A', 'value': 'def'}, {'name': 'B',"
                + " 'value': 'def'}, {'name': 'LANG', 'value': 'en_US.UTF-8'}],"
                + " 'secrets': [{'name': 'KEY', 'valueFrom': 'arn:aws:ssm:us-east-1:1:parameter/k'}]}",
            "{'containerOverrides': [{'name': 'other', 'environment': [{'name': 'A', 'value':"
                + " 'no'}]}, {'name': 'flow', 'environment': [{'name': 'B', 'value': 'run'},"
                + " {'name': 'C', 'value': 'run'}]}]}");
    assertThat(spec.environment())
        .containsEntry("A", "def")
        .containsEntry("B", "run")
        .containsEntry("C", "run")
        .containsEntry("LANG", "en_US.UTF-8")
        .containsEntry("PATH", "/venv/bin:/usr/local/bin:/usr/bin:/bin")
        .containsEntry("HOME", "/tmp/tasks/abc123")
        .containsEntry("AWS_REGION", "us-east-1")
        .containsEntry("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE")
        .doesNotContainKey("KEY");
    assertThat(spec.secrets()).containsEntry("KEY", "arn:aws:ssm:us-east-1:1:parameter/k");
  }

  @Test
  void essentialStopTimeoutAndAwslogsStreamComeFromTheDefinition() throws Exception {
    ContainerSpec spec =
        flow(
            "{'name': 'flow', 'essential': false, 'stopTimeout': 7, 'logConfiguration':"
                + " {'logDriver': 'awslogs', 'options': {'awslogs-group': '/prefect/flow-runs',"
                + " 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'prefect',"
                + " 'awslogs-create-group': 'true'}}}",
            null);
    assertThat(spec.essential()).isFalse();
    assertThat(spec.stopTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(spec.logs())
        .isEqualTo(
            new ContainerSpec.AwsLogs(
                "/prefect/flow-runs", "eu-west-1", "prefect/flow/abc123", true));
  }

  @Test
  void defaultsAreEssentialTheSettingsStopTimeoutAndNoAwslogs() throws Exception {
    ContainerSpec spec =
        flow("{'name': 'flow', 'logConfiguration': {'logDriver': 'json-file'}}", null);
    assertThat(spec.essential()).isTrue();
    assertThat(spec.stopTimeout()).isEqualTo(SETTINGS.defaultStopTimeout());
    assertThat(spec.logs()).isNull();
  }
}
