package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.LogDriver;

/** From a task definition to the flow container's stream: {@code prefix/container/task-id}. */
class StreamLocationTest {

  private static ContainerDefinition container(
      String name, String driver, String group, String prefix) {
    ContainerDefinition.Builder c = ContainerDefinition.builder().name(name);
    if (driver != null) {
      Map<String, String> options = new java.util.HashMap<>();
      if (group != null) {
        options.put("awslogs-group", group);
      }
      if (prefix != null) {
        options.put("awslogs-stream-prefix", prefix);
      }
      c.logConfiguration(
          LogConfiguration.builder()
              .logDriver(LogDriver.fromValue(driver))
              .options(options)
              .build());
    }
    return c.build();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "agent default|flow|awslogs|/prefect/flow-runs|prefect|/prefect/flow-runs prefect/flow/abc",
        "template's own|flow|awslogs|/team/logs|team|/team/logs team/flow/abc",
        "only container, other name|main|awslogs|/g|p|/g p/main/abc",
        "no prefix: stream named after the container id|flow|awslogs|/g|-|-",
        "another driver|flow|splunk|-|-|-",
        "no log configuration|flow|-|-|-|-",
      })
  void theFlowContainersAwslogsOptionsNameTheStream(
      String what, String name, String driver, String group, String prefix, String expected) {
    Optional<StreamSource> source =
        EcsStreamLocator.source(List.of(container(name, driver, group, prefix)));
    assertThat(
            source
                .map(s -> s.group() + " " + s.streamOf("arn:aws:ecs:us-east-1:1:task/c/abc"))
                .orElse(null))
        .isEqualTo(expected);
  }

  @Test
  void theFlowContainerIsChosenAmongSidecars() {
    Optional<StreamSource> source =
        EcsStreamLocator.source(
            List.of(
                container("sidecar", "awslogs", "/side", "s"),
                container("flow", "awslogs", "/main", "m")));
    assertThat(source).contains(new StreamSource("/main", "m", "flow"));
  }

  @Test
  void aDefinitionIsDescribedOncePerArn() {
    AtomicInteger calls = new AtomicInteger();
    EcsClient ecs =
        new EcsClient() {
          @Override
          public DescribeTaskDefinitionResponse describeTaskDefinition(
              DescribeTaskDefinitionRequest request) {
            calls.incrementAndGet();
            return DescribeTaskDefinitionResponse.builder()
                .taskDefinition(
                    t -> t.containerDefinitions(container("flow", "awslogs", "/g", "prefect")))
                .build();
          }

          @Override
          public String serviceName() {
            return "ecs";
          }

          @Override
          public void close() {}
        };
    EcsStreamLocator locator =
        new EcsStreamLocator(ecs, new TokenBucket("t", 10, 10, () -> 0L, n -> {}));
    for (int i = 0; i < 5; i++) {
      assertThat(locator.locate("arn:td/etl:1")).isPresent();
    }
    locator.locate("arn:td/etl:2");
    assertThat(calls).hasValue(2);
  }
}
