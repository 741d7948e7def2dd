package io.github.prefectecs.agent.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.ecs.LaunchPreview;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskDefinitionCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<CheckResult> check(
      String taskRole, String executionRole, String logGroup, String secret) throws Exception {
    ObjectNode definition =
        (ObjectNode)
            JSON.readTree(
                "{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"cpu\":\"256\",\"memory\":\"512\"}");
    EcsSettings d = EcsSettings.defaults();
    EcsSettings settings =
        EcsSettings.builder()
            .strategy(d.capacityProviderStrategy())
            .roles(taskRole, executionRole)
            .apiKeySecretArn(secret)
            .build();
    return new TaskDefinitionCheck(
            settings,
            new LogSettings(LogForwarding.NON_PREFECT, logGroup),
            () -> new LaunchPreview(definition, true, false))
        .run();
  }

  private static CheckResult named(List<CheckResult> results, String name) {
    return results.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @CsvSource({
    "arn:aws:iam::123456789012:role/flows, true",
    "arn:aws-cn:iam::123456789012:role/path/flows, true",
    "flow-task-role, true",
    "arn:aws:iam::12345:role/flows, false",
    "arn:aws:s3:::bucket, false",
    "'has space', false"
  })
  void taskRoleMustBeAnArnOrARoleName(String role, boolean ok) throws Exception {
    assertThat(named(check(role, null, null, null), TaskDefinitionCheck.TASK_ROLE).ok())
        .isEqualTo(ok);
  }

  @ParameterizedTest
  @CsvSource({
    "arn:aws:iam::123456789012:role/ecsTaskExecutionRole, true",
    "ecsTaskExecutionRole, false",
    "arn:aws:iam::123456789012:user/someone, false"
  })
  void executionRoleMustBeARoleArn(String role, boolean ok) throws Exception {
    assertThat(named(check(null, role, null, null), TaskDefinitionCheck.EXECUTION_ROLE).ok())
        .isEqualTo(ok);
  }

  @ParameterizedTest
  @CsvSource({
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prefect-key-AbCdEf, true",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/prefect/key, true",
    "prefect-key, false"
  })
  void apiKeySecretMustBeASecretsManagerOrSsmArn(String arn, boolean ok) throws Exception {
    assertThat(
            named(check(null, "arn:aws:iam::123456789012:role/e", null, arn), "API key secret")
                .ok())
        .isEqualTo(ok);
  }

  @ParameterizedTest
  @CsvSource({"/prefect/flow-runs, false", ", true"})
  void anExecutionRoleIsNeededWhenTasksLogToCloudWatch(String logGroup, boolean ok)
      throws Exception {
    CheckResult result =
        named(check(null, null, logGroup, null), TaskDefinitionCheck.EXECUTION_ROLE);
    assertThat(result.ok()).isEqualTo(ok);
    if (!ok) {
      assertThat(result.line()).contains("fix: set --execution-role-arn");
    }
  }
}
