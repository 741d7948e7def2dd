package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsoleLinksTest {
  @ParameterizedTest
  @CsvSource({
    "arn:aws:ecs:eu-west-1:1:task/flows/abc123, "
        + "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/flows/tasks/abc123?region=eu-west-1",
    "arn:aws-cn:ecs:cn-north-1:1:task/flows/abc123, "
        + "https://console.amazonaws.cn/ecs/v2/clusters/flows/tasks/abc123?region=cn-north-1",
    "arn:aws-us-gov:ecs:us-gov-west-1:1:task/flows/abc123, "
        + "https://console.amazonaws-us-gov.com/ecs/v2/clusters/flows/tasks/abc123"
        + "?region=us-gov-west-1",
    // an old ARN names no cluster: the agent's
    "arn:aws:ecs:us-east-1:1:task/abc123, "
        + "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/agents/tasks/abc123?region=us-east-1",
  })
  void theTaskPageIsInTheTasksRegionAndPartition(String arn, String url) {
    assertThat(ConsoleLinks.task(arn, "agents")).isEqualTo(url);
  }

  @Test
  void logGroupAndStreamAreEscapedAsTheCloudWatchConsoleWritesThem() {
    assertThat(
            ConsoleLinks.logStream(
                "arn:aws:ecs:us-east-1:1:task/flows/abc123",
                "/prefect/flow-runs",
                "prefect/flow/abc123"))
        .isEqualTo(
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
                + "#logsV2:log-groups/log-group/$252Fprefect$252Fflow-runs"
                + "/log-events/prefect$252Fflow$252Fabc123");
    assertThat(ConsoleLinks.fragment("a b#c")).isEqualTo("a$2520b$2523c");
  }

  @Test
  void theRunLogLineNamesBothOrOnlyTheTask() {
    String arn = "arn:aws:ecs:us-east-1:1:task/flows/abc123";
    assertThat(ConsoleLinks.line(arn, null, new ObservedTask.LogStream("g", "prefect/flow")))
        .startsWith("ECS console: https://us-east-1.console.aws.amazon.com/ecs/v2/")
        .contains(
            "; CloudWatch logs: https://", "log-group/g/log-events/prefect$252Fflow$252Fabc123");
    assertThat(ConsoleLinks.line(arn, null, null)).doesNotContain("CloudWatch");
    assertThat(ConsoleLinks.line("not-an-arn", null, null)).isEmpty();
  }
}
