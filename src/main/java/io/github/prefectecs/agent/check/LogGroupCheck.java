package io.github.prefectecs.agent.check;

import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.DescribeLogGroupsResponse;

/**
 * Checks the CloudWatch Logs group of flow tasks ({@code cloud.agent.ecs.log_group}, else {@link
 * #DEFAULT_GROUP}) with one DescribeLogGroups: it exists, or it is missing and will be created at
 * start-up.
 *
 * <p>Stateless; the client belongs to the caller.
 */
final class LogGroupCheck {
  static final String NAME = "log group";

  /** The group log forwarding uses when none is configured. */
  static final String DEFAULT_GROUP = "/prefect/flow-runs";

  private static final Pattern VALID = Pattern.compile("[.\\-_/#A-Za-z0-9]{1,512}");

  private final String configured;
  private final CloudWatchLogsClient logs;

  LogGroupCheck(String configured, CloudWatchLogsClient logs) {
    this.configured = configured;
    this.logs = logs;
  }

  CheckResult run() {
    String group = configured == null ? DEFAULT_GROUP : configured;
    String which = configured == null ? group + " (the default)" : group;
    if (!VALID.matcher(group).matches()) {
      return CheckResult.problem(
          NAME,
          "'" + group + "' is not a valid log group name (1-512 of a-z A-Z 0-9 . - _ / #)",
          "correct --log-group (cloud.agent.ecs.log_group)");
    }
    DescribeLogGroupsResponse response;
    try {
      response = logs.describeLogGroups(r -> r.logGroupNamePrefix(group).limit(50));
    } catch (SdkException e) {
      return AwsProblems.of(NAME, "logs:DescribeLogGroups", e);
    }
    boolean exists = response.logGroups().stream().anyMatch(g -> group.equals(g.logGroupName()));
    return exists
        ? CheckResult.ok(NAME, which + " exists")
        : CheckResult.ok(
            NAME,
            which
                + " does not exist yet; it will be created at start-up (needs"
                + " logs:CreateLogGroup)");
  }
}
