package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.ecs.AwsClients;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The agent's log forwarding as one unit: the CloudWatch Logs client, the forwarder, and the
 * start-up creation of the flow containers' log group. With forwarding {@code off} it does nothing.
 *
 * <p>Thread-safe. {@link #start()} once, {@link #close(Duration)} once.
 */
public final class CloudWatchForwarding {
  private final LogForwarder forwarder;
  private final LogsApi logs;
  private final String group;

  CloudWatchForwarding(LogForwarder forwarder, LogsApi logs, String group) {
    this.forwarder = forwarder;
    this.logs = logs;
    this.group = group;
  }

  /**
   * Forwarding as configured: FilterLogEvents at the Logs read quota, definitions read through
   * {@code ecs} paced by {@code definitionRead}, lines written through {@code writer}.
   */
  public static CloudWatchForwarding create(
      AgentConfig config,
      EcsClient ecs,
      TokenBucket definitionRead,
      RunLogWriter writer,
      Clock clock) {
    LogForwarding mode = config.ecs().forwardLogs();
    if (mode == LogForwarding.OFF) {
      return new CloudWatchForwarding(null, null, null);
    }
    LogsApi logs = new AwsLogsApi(AwsClients.logs(config));
    return over(
        ForwarderSettings.defaults(mode),
        logs,
        new EcsStreamLocator(ecs, definitionRead),
        writer,
        clock,
        config.ecs().effectiveLogGroup());
  }

  /** Forwarding over any Logs endpoint and locator (tests, LocalStack). */
  public static CloudWatchForwarding over(
      ForwarderSettings settings,
      LogsApi logs,
      StreamLocator locator,
      RunLogWriter writer,
      Clock clock,
      String group) {
    LogForwarder forwarder =
        new LogForwarder(settings, logs, locator, LogForwarder.filterQuota(), writer, clock);
    return new CloudWatchForwarding(forwarder, logs, group);
  }

  /** Where task starts and stops go. */
  public TaskEvents events() {
    return forwarder == null ? TaskEvents.NONE : forwarder;
  }

  /** Creates the log group in the background (when missing) and starts reading. */
  public void start() {
    if (forwarder == null) {
      return;
    }
    if (group != null) {
      ExecutorService once =
          Executors.newSingleThreadExecutor(new NamedThreadFactory("logs-setup", true));
      once.execute(() -> LogGroupSetup.ensure(logs, group));
      once.shutdown();
    }
    forwarder.start();
  }

  /** Reads once more, sends what is buffered (up to {@code timeout}) and closes the client. */
  public boolean close(Duration timeout) {
    if (forwarder == null) {
      return true;
    }
    boolean sent = forwarder.close(timeout);
    logs.close();
    return sent;
  }
}
