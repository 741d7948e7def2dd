package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.support.Messages;
import java.time.Instant;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * Checks that log forwarding may read the flow containers' log group: one FilterLogEvents of at
 * most one event of the last minute. IAM answers before the group's existence does, so a refusal
 * says the agent's role lacks {@code logs:FilterLogEvents} even when the group does not exist yet.
 *
 * <p>Stateless; the client belongs to the caller.
 */
final class LogReadCheck {
  static final String NAME = "log reading";

  private final LogSettings settings;
  private final CloudWatchLogsClient logs;

  LogReadCheck(LogSettings settings, CloudWatchLogsClient logs) {
    this.settings = settings;
    this.logs = logs;
  }

  CheckResult run() {
    if (settings.forwardLogs() == LogForwarding.OFF) {
      return CheckResult.ok(NAME, "log forwarding is off; nothing is read");
    }
    String group = settings.effectiveLogGroup();
    long now = Instant.now().toEpochMilli();
    try {
      logs.filterLogEvents(r -> r.logGroupName(group).startTime(now - 60_000).limit(1));
      return CheckResult.ok(NAME, "logs:FilterLogEvents is allowed on " + group);
    } catch (ResourceNotFoundException e) {
      return CheckResult.ok(
          NAME, "logs:FilterLogEvents is allowed on " + group + " (which does not exist yet)");
    } catch (SdkException e) {
      if (denied(e)) {
        return CheckResult.problem(
            NAME,
            "AWS denied logs:FilterLogEvents on "
                + group
                + ", so flow task output cannot be forwarded into run logs: "
                + AwsProblems.shorten(Messages.firstLine(String.valueOf(e.getMessage()))),
            "allow logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:"
                + group
                + ":* to the agent's IAM role or user, or set --forward-logs off");
      }
      return AwsProblems.of(NAME, "logs:FilterLogEvents", e);
    }
  }

  private static boolean denied(SdkException e) {
    if (!(e instanceof AwsServiceException service)) {
      return false;
    }
    String code =
        service.awsErrorDetails() == null
            ? ""
            : String.valueOf(service.awsErrorDetails().errorCode());
    return code.toLowerCase(Locale.ROOT).contains("accessdenied") || service.statusCode() == 403;
  }
}
