package io.github.prefectecs.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.deploy.PolicyEvaluator.Authorization;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyEvaluatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/flows";
  private static final JsonNode POLICY =
      read(
          """
          {"Version": "2012-10-17", "Statement": [
            {"Sid": "Run", "Effect": "Allow", "Action": "ecs:RunTask",
             "Resource": "arn:aws:ecs:us-east-1:123456789012:task-definition/prefect-*",
             "Condition": {"ArnEquals": {"ecs:cluster": "%s"}}},
            {"Sid": "Watch", "Effect": "Allow", "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
             "Resource": "arn:aws:ecs:us-east-1:123456789012:task/flows/*"},
            {"Sid": "Read", "Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"},
            {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": ["arn:aws:iam::123456789012:role/flow-task"],
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "ecs:DescribeTaskDefinition",
             "Resource": "*"}
          ]}
          """
              .formatted(CLUSTER));

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // action | resource | context key | context value | allowed | reason
        "ecs:RunTask | arn:aws:ecs:us-east-1:123456789012:task-definition/prefect-etl:3"
            + " | ecs:cluster | "
            + CLUSTER
            + " | true | allowed by Run",
        "ecs:runtask | arn:aws:ecs:us-east-1:123456789012:task-definition/prefect-etl:3"
            + " | ECS:Cluster | "
            + CLUSTER
            + " | true | allowed by Run",
        "ecs:RunTask | arn:aws:ecs:us-east-1:123456789012:task-definition/other:3"
            + " | ecs:cluster | "
            + CLUSTER
            + " | false | no statement allows",
        "ecs:RunTask | arn:aws:ecs:us-east-1:123456789012:task-definition/prefect-etl:3"
            + " | ecs:cluster | arn:aws:ecs:us-east-1:123456789012:cluster/other"
            + " | false | no statement allows",
        "ecs:RunTask | arn:aws:ecs:us-east-1:123456789012:task-definition/prefect-etl:3"
            + " | | | false | no statement allows",
        "ecs:StopTask | arn:aws:ecs:us-east-1:123456789012:task/flows/abc | | | true"
            + " | allowed by Watch",
        "ecs:StopTask | arn:aws:ecs:us-east-1:123456789012:task/other/abc | | | false"
            + " | no statement allows",
        "ecs:StopTask | * | | | false | no statement allows",
        "ecs:DescribeClusters | " + CLUSTER + " | | | true | allowed by Read",
        "ecs:DescribeTaskDefinition | * | | | false | denied by NoSecrets",
        "iam:PassRole | arn:aws:iam::123456789012:role/flow-task | iam:PassedToService"
            + " | ecs-tasks.amazonaws.com | true | allowed by Pass",
        "iam:PassRole | arn:aws:iam::123456789012:role/flow-task | iam:PassedToService"
            + " | lambda.amazonaws.com | false | no statement allows",
        "iam:PassRole | arn:aws:iam::123456789012:role/flow-task-2 | iam:PassedToService"
            + " | ecs-tasks.amazonaws.com | false | no statement allows",
      })
  void decidesAsIamForTheOperatorsTheAgentPolicyUses(
      String action, String resource, String key, String value, boolean allowed, String reason) {
    Map<String, String> context = key == null ? Map.of() : Map.of(key, value);

    PolicyEvaluator.Decision decision =
        PolicyEvaluator.evaluate(POLICY, new Authorization(action, resource, context));

    assertThat(decision.allowed()).as(decision.reason()).isEqualTo(allowed);
    assertThat(decision.reason()).startsWith(reason);
  }

  @Test
  void statementsItDoesNotModelAreRefusedInsteadOfGuessed() {
    JsonNode notAction =
        read(
            "{\"Statement\": [{\"Effect\": \"Allow\", \"NotAction\": \"iam:*\","
                + " \"Resource\": \"*\"}]}");
    JsonNode ipCondition =
        read(
            "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\","
                + " \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}}]}");

    assertThatThrownBy(
            () -> PolicyEvaluator.evaluate(notAction, Authorization.of("ecs:RunTask", "*")))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("NotAction");
    assertThatThrownBy(
            () -> PolicyEvaluator.evaluate(ipCondition, Authorization.of("ecs:RunTask", "*")))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("IpAddress");
  }

  @Test
  void actionsListsEveryActionAsWritten() {
    assertThat(PolicyEvaluator.actions(POLICY))
        .containsExactly(
            "ecs:RunTask",
            "ecs:DescribeTasks",
            "ecs:StopTask",
            "ecs:Describe*",
            "iam:PassRole",
            "ecs:DescribeTaskDefinition");
  }
}
