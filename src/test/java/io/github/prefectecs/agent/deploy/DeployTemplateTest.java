package io.github.prefectecs.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The values of {@code deploy/agent.yaml} that cfn-lint cannot judge and moto ignores, and the one
 * source of truth for permissions: the template's agent policy is what docs/operations.md and
 * docs/ecs.md show (AgentStackIT compares the operations guide's policy with the deployed one,
 * resource by resource).
 */
class DeployTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ACTION = Pattern.compile("`((?:ecs|logs|ec2|iam|s3):[A-Za-z*]+)`");

  /**
   * Actions the docs name that the stack's agent does not need: other configurations' (inferred
   * subnets, {@code s3://} templates) and the reference agent's.
   */
  private static final Set<String> NOT_IN_THE_STACK =
      Set.of("ec2:DescribeVpcs", "s3:GetObject", "ecs:DeregisterTaskDefinition");

  /** Condition keys of the policy, which the docs name beside the actions. */
  private static final Set<String> CONDITION_KEYS =
      Set.of("ecs:cluster", "ecs:CreateAction", "iam:PassedToService");

  /** Actions of the flow tasks' execution role, which the docs name beside the agent's. */
  private static final Set<String> FLOW_EXECUTION =
      Set.of("logs:CreateLogStream", "logs:PutLogEvents");

  private static JsonNode resource(String name) throws IOException {
    return StackWorld.template().path("Resources").path(name).path("Properties");
  }

  private static JsonNode taskDefinitionJson() throws IOException {
    return JSON.readTree(Path.of("task-definition.json").toFile());
  }

  /** CloudFormation's PascalCase property names as ECS's camelCase API names, recursively. */
  private static JsonNode camel(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      node.fields()
          .forEachRemaining(
              e ->
                  out.set(
                      Character.toLowerCase(e.getKey().charAt(0)) + e.getKey().substring(1),
                      camel(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      node.forEach(n -> out.add(camel(n)));
      return out;
    }
    return node;
  }

  @Test
  void theAgentTaskHasTheSettingsOfTaskDefinitionJson() throws IOException {
    JsonNode template = camel(resource("AgentTaskDefinition"));
    JsonNode json = taskDefinitionJson();
    for (String field :
        List.of("cpu", "memory", "networkMode", "requiresCompatibilities", "runtimePlatform")) {
      assertThat(template.path(field)).as(field).isEqualTo(json.path(field));
    }
    JsonNode container = template.path("containerDefinitions").get(0);
    JsonNode expected = json.path("containerDefinitions").get(0);
    for (String field :
        List.of(
            "name",
            "essential",
            "command",
            "portMappings",
            "healthCheck",
            "stopTimeout",
            "readonlyRootFilesystem",
            "ulimits")) {
      assertThat(container.path(field)).as(field).isEqualTo(expected.path(field));
    }
    assertThat(container.at("/logConfiguration/logDriver").asText()).isEqualTo("awslogs");
    assertThat(container.at("/logConfiguration/options/awslogs-stream-prefix"))
        .isEqualTo(expected.at("/logConfiguration/options/awslogs-stream-prefix"));
    List<String> names = new ArrayList<>();
    expected.path("environment").forEach(e -> names.add(e.path("name").asText()));
    List<String> templateNames = new ArrayList<>();
    for (JsonNode variable : container.path("environment")) {
      // A variable set only under a condition reads as the arguments of its Fn::If.
      for (JsonNode v : variable.isArray() ? variable : JSON.createArrayNode().add(variable)) {
        if (v.has("name")) {
          templateNames.add(v.path("name").asText());
        }
      }
    }
    assertThat(templateNames).containsAll(names);
  }

  @Test
  void theServiceRunsOneAgentOnDemandAndStopsTheOldOneFirst() throws IOException {
    JsonNode service = resource("AgentService");

    assertThat(service.path("DesiredCount").asInt()).isEqualTo(1);
    assertThat(service.path("LaunchType").asText()).isEqualTo("FARGATE");
    assertThat(service.at("/DeploymentConfiguration/MaximumPercent").asInt()).isEqualTo(100);
    assertThat(service.at("/DeploymentConfiguration/MinimumHealthyPercent").asInt()).isZero();
  }

  @Test
  void theClusterHasBothFargateProvidersAndTheSeedsDefaultStrategy() throws IOException {
    JsonNode cluster = resource("Cluster");

    assertThat(cluster.path("CapacityProviders"))
        .isEqualTo(JSON.readTree("[\"FARGATE\", \"FARGATE_SPOT\"]"));
    assertThat(cluster.path("DefaultCapacityProviderStrategy"))
        .isEqualTo(
            JSON.readTree(
                "[{\"CapacityProvider\": \"FARGATE\", \"Base\": 1, \"Weight\": 2},"
                    + " {\"CapacityProvider\": \"FARGATE_SPOT\", \"Weight\": 3}]"));
  }

  @Test
  void theOperationsGuideShowsTheTemplatesAgentPolicyStatementByStatement() throws IOException {
    JsonNode template = resource("AgentPolicy").path("PolicyDocument");
    JsonNode documented = PolicyDocs.agentPolicy();

    assertThat(sids(documented)).isEqualTo(sids(template));
    for (int i = 0; i < template.path("Statement").size(); i++) {
      JsonNode statement = template.path("Statement").get(i);
      assertThat(documented.path("Statement").get(i).path("Action"))
          .as(statement.path("Sid").asText())
          .isEqualTo(statement.path("Action"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"docs/operations.md", "docs/ecs.md"})
  void theDocsNameEveryActionOfTheAgentPolicyAndNoOther(String doc) throws IOException {
    Set<String> policy = new TreeSet<>(PolicyEvaluator.actions(policyOfTemplate()));
    Set<String> named = new TreeSet<>();
    Matcher m = ACTION.matcher(PolicyDocs.section(Path.of(doc), "## IAM permissions"));
    while (m.find()) {
      named.add(m.group(1));
    }
    if (doc.equals("docs/operations.md")) {
      PolicyEvaluator.actions(PolicyDocs.agentPolicy()).forEach(named::add);
    }

    assertThat(named).as("actions %s names", doc).containsAll(policy);
    named.removeAll(policy);
    named.removeAll(NOT_IN_THE_STACK);
    named.removeAll(FLOW_EXECUTION);
    named.removeAll(CONDITION_KEYS);
    assertThat(named).as("actions %s names that the agent policy lacks", doc).isEmpty();
  }

  private static JsonNode policyOfTemplate() throws IOException {
    return resource("AgentPolicy").path("PolicyDocument");
  }

  private static List<String> sids(JsonNode policy) {
    List<String> sids = new ArrayList<>();
    policy.path("Statement").forEach(s -> sids.add(s.path("Sid").asText()));
    return sids;
  }
}
