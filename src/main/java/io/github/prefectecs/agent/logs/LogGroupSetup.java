package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the log group flow containers log to at start-up, when it is missing. A failure is one
 * WARN line (naming the group and, when access is denied, the IAM action); the agent runs on.
 */
public final class LogGroupSetup {
  private static final Logger LOG = LoggerFactory.getLogger(LogGroupSetup.class);

  /** What happened. */
  public enum Outcome {
    CREATED,
    EXISTED,
    DENIED,
    FAILED
  }

  private LogGroupSetup() {}

  public static Outcome ensure(LogsApi logs, String group) {
    try {
      if (logs.createGroup(group)) {
        LOG.info("Created CloudWatch log group {} for flow containers", group);
        return Outcome.CREATED;
      }
      LOG.debug("CloudWatch log group {} exists", group);
      return Outcome.EXISTED;
    } catch (LogsException e) {
      if (e.kind() == LogsException.Kind.ACCESS_DENIED) {
        LOG.warn(
            "Cannot create CloudWatch log group {}: access denied; grant the agent's role"
                + " logs:CreateLogGroup or create the group yourself, else flow tasks fail to"
                + " start",
            group);
        return Outcome.DENIED;
      }
      LOG.warn(
          "Cannot create CloudWatch log group {} ({}); create it yourself if flow tasks fail to"
              + " start",
          group,
          Messages.firstLine(e));
      return Outcome.FAILED;
    }
  }
}
