package io.github.prefectecs.agent.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.ecs.LaunchPreview;
import io.github.prefectecs.agent.support.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.DescribeLogGroupsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.DescribeLogGroupsResponse;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AccessDeniedException;
import software.amazon.awssdk.services.ecs.model.DescribeClustersRequest;
import software.amazon.awssdk.services.ecs.model.DescribeClustersResponse;

/**
 * A call AWS refuses makes its check say which IAM action was refused and where the agent's
 * permissions are kept, one line each, for every AWS call {@code agent ecs check} makes.
 */
@Timeout(30)
class RefusalsTest {
  private static final String FIX =
      " to the agent's role (see deploy/agent.yaml, AgentPolicy on AgentTaskRole)";
  private final MockWebServer ec2 = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    ec2.start();
  }

  @AfterEach
  void stop() throws Exception {
    ec2.shutdown();
  }

  private static EcsSettings settings(List<String> subnets, List<String> groups) {
    EcsSettings d = EcsSettings.defaults();
    return EcsSettings.builder()
        .cluster("flows")
        .strategy(d.capacityProviderStrategy())
        .network(subnets, groups, null)
        .build();
  }

  @Test
  void aRefusedDescribeClustersNamesEcsDescribeClusters() {
    String denied =
        "User: arn:aws:sts::123456789012:assumed-role/agent/t is not authorized to perform:"
            + " ecs:DescribeClusters on resource: arn:aws:ecs:eu-west-1:123456789012:cluster/flows";
    EcsClient refusing =
        new EcsClient() {
          @Override
          public DescribeClustersResponse describeClusters(DescribeClustersRequest request) {
            throw AccessDeniedException.builder()
                .statusCode(400)
                .message(denied)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException")
                        .errorMessage(denied)
                        .build())
                .build();
          }

          @Override
          public String serviceName() {
            return "ecs";
          }

          @Override
          public void close() {}
        };

    List<CheckResult> results =
        new ClusterCheck(settings(List.of(), List.of()), refusing, "eu-west-1").run();

    assertThat(results)
        .singleElement()
        .extracting(CheckResult::line)
        .asString()
        .startsWith("ECS cluster: problem: ecs:DescribeClusters refused: " + denied)
        .endsWith("; fix: grant ecs:DescribeClusters" + FIX);
  }

  @Test
  void aRefusedDescribeLogGroupsNamesLogsDescribeLogGroups() {
    CloudWatchLogsClient refusing =
        new CloudWatchLogsClient() {
          @Override
          public DescribeLogGroupsResponse describeLogGroups(DescribeLogGroupsRequest request) {
            throw software.amazon.awssdk.services.cloudwatchlogs.model.AccessDeniedException
                .builder()
                .statusCode(400)
                .message("not authorized")
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException")
                        .errorMessage("not authorized")
                        .build())
                .build();
          }

          @Override
          public String serviceName() {
            return "logs";
          }

          @Override
          public void close() {}
        };

    CheckResult result = new LogGroupCheck("/prefect/flow-runs", refusing).run();

    assertThat(result.line())
        .isEqualTo(
            "log group: problem: logs:DescribeLogGroups refused: not authorized; fix: grant"
                + " logs:DescribeLogGroups"
                + FIX);
  }

  @Test
  void refusedEc2CallsNameTheirOwnAction() {
    ec2.enqueue(unauthorized());
    ec2.enqueue(unauthorized());
    NetworkCheck check =
        new NetworkCheck(settings(List.of("subnet-1"), List.of("sg-1")), lookup(), "eu-west-1");

    List<CheckResult> results = check.run(null);

    assertThat(results)
        .extracting(CheckResult::line)
        .containsExactly(
            "subnets: problem: ec2:DescribeSubnets refused: UnauthorizedOperation: You are not"
                + " authorized to perform this operation.; fix: grant ec2:DescribeSubnets"
                + FIX,
            "security groups: problem: ec2:DescribeSecurityGroups refused: UnauthorizedOperation:"
                + " You are not authorized to perform this operation.; fix: grant"
                + " ec2:DescribeSecurityGroups"
                + FIX);
  }

  @Test
  void aRefusedS3TemplateNamesS3GetObject() {
    TaskDefinitionCheck check =
        new TaskDefinitionCheck(
            settings(List.of(), List.of()),
            LogSettings.defaults(),
            () -> {
              throw new IllegalStateException(
                  "task definition s3://templates/flow.yaml: S3 answered HTTP 403 (AccessDenied)");
            });

    List<CheckResult> results = check.run();

    assertThat(results.get(0).line())
        .isEqualTo(
            "task definition: problem: s3:GetObject refused: task definition"
                + " s3://templates/flow.yaml: S3 answered HTTP 403 (AccessDenied); fix: grant"
                + " s3:GetObject"
                + FIX);
  }

  @Test
  void otherFailuresAreNotCalledRefusals() {
    ec2.enqueue(
        new MockResponse()
            .setResponseCode(400)
            .setBody(error("InvalidParameterValue", "Value (x) for parameter is invalid")));
    NetworkCheck check =
        new NetworkCheck(settings(List.of("subnet-1"), List.of()), lookup(), "eu-west-1");
    LaunchPreview fargate = new LaunchPreview(JsonNodeFactory.instance.objectNode(), true, false);

    assertThat(check.run(fargate))
        .singleElement()
        .extracting(CheckResult::line)
        .asString()
        .doesNotContain("refused", "grant");
  }

  private Ec2QueryVpcLookup lookup() {
    return new Ec2QueryVpcLookup(
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")),
        "eu-west-1",
        Map.of("AWS_ENDPOINT_URL_EC2", ec2.url("/").toString()),
        Duration.ofSeconds(5),
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5)));
  }

  private static MockResponse unauthorized() {
    return new MockResponse()
        .setResponseCode(403)
        .setBody(
            error("UnauthorizedOperation", "You are not authorized to perform this operation."));
  }

  private static String error(String code, String message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message></Error></Errors><RequestID>ad4b1e05-EXAMPLE</RequestID></Response>";
  }
}
