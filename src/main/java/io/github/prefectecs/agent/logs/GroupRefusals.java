package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log groups that refuse reads (access denied, missing, any other lasting refusal), each kept apart
 * so the others keep flowing: a refused group is tried again with backoff (2 s doubling up to 5
 * minutes), reported once with one WARN naming the group and the fix, and once more when it reads
 * again.
 *
 * <p>Not thread-safe: owned by the forwarder's thread.
 */
final class GroupRefusals {
  private static final Logger LOG = LoggerFactory.getLogger(GroupRefusals.class);
  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));

  /** Why a group cannot be read, as told to an operator and to runs. */
  record Refusal(LogsException.Kind kind, String reason, int failures, long retryAt) {}

  private final Map<String, Refusal> refused = new HashMap<>();

  /** Whether {@code group} may be read at {@code now}. */
  boolean readable(String group, long now) {
    Refusal r = refused.get(group);
    return r == null || now >= r.retryAt();
  }

  /** The refusal of {@code group}, or null when it reads. */
  Refusal refusal(String group) {
    return refused.get(group);
  }

  /** Records a lasting refusal; returns it (the first one of a group is reported with a WARN). */
  Refusal refuse(String group, LogsException e, long now) {
    Refusal before = refused.get(group);
    int failures = before == null ? 0 : before.failures() + 1;
    long delay = BACKOFF.ceiling(Math.min(failures, 20)).toMillis();
    Refusal now_ = new Refusal(e.kind(), reason(group, e), failures, now + delay);
    refused.put(group, now_);
    if (before == null) {
      LOG.warn("{}; trying again with backoff, other log groups are read meanwhile", now_.reason());
    } else {
      LOG.debug("{}; next try in {} ms", now_.reason(), delay);
    }
    return now_;
  }

  /** A read of {@code group} succeeded. */
  void readOk(String group) {
    if (refused.remove(group) != null) {
      LOG.info("CloudWatch log group {} can be read again", group);
    }
  }

  /** One line naming the group, what went wrong and what to do. */
  static String reason(String group, LogsException e) {
    return switch (e.kind()) {
      case ACCESS_DENIED ->
          "Cannot read CloudWatch log group "
              + group
              + ": access denied; grant the agent's role logs:FilterLogEvents on it";
      case NOT_FOUND ->
          "CloudWatch log group "
              + group
              + " does not exist; create it (the agent creates its default group at start-up"
              + " when it may) or correct the log group of the task definition";
      default ->
          "Cannot read CloudWatch log group " + group + ": " + Messages.firstLine(e.getMessage());
    };
  }
}
