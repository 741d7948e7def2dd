package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.LogForwarding;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
   * Forwarding as configured: FilterLogEvents at the Logs read quota (one adaptive bucket, fed by
   * the client's attempts; every attempt counted in {@code metrics}), definitions read through
   * {@code ecs} paced by {@code definitionRead}, lines written through {@code writer}, and where
   * each stream's lines end read back from {@code api} (the server's {@code log} table).
   */
  public static CloudWatchForwarding create(
      AgentConfig config,
      EcsClient ecs,
      TokenBucket definitionRead,
      RunLogWriter writer,
      PrefectApi api,
      AgentMetrics metrics,
      Clock clock) {
    LogForwarding mode = config.logs().forwardLogs();
    if (mode == LogForwarding.OFF) {
      return off();
    }
    ForwarderSettings settings = ForwarderSettings.defaults(mode);
    TokenBucket filter = LogForwarder.filterQuota();
    LogsApi logs = new AwsLogsApi(AwsClients.logs(config, filter, metrics));
    LogForwarder forwarder =
        new LogForwarder(
            settings,
            logs,
            new EcsStreamLocator(ecs, definitionRead),
            new PrefectRunLogPositions(api, settings.loggerName()),
            filter,
            writer,
            clock);
    return new CloudWatchForwarding(forwarder, logs, config.logs().effectiveLogGroup());
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

  /**
   * Forwarding over any Logs endpoint and locator that resumes each stream where its lines in
   * {@code api}'s run logs end (tests of restarts).
   */
  public static CloudWatchForwarding over(
      ForwarderSettings settings,
      LogsApi logs,
      StreamLocator locator,
      RunLogWriter writer,
      PrefectApi api,
      Clock clock,
      String group) {
    LogForwarder forwarder =
        new LogForwarder(
            settings,
            logs,
            locator,
            new PrefectRunLogPositions(api, settings.loggerName()),
            LogForwarder.filterQuota(),
            writer,
            clock);
    return new CloudWatchForwarding(forwarder, logs, group);
  }

  /** No forwarding: no client, no thread; every method does nothing. */
  public static CloudWatchForwarding off() {
    return new CloudWatchForwarding(null, null, null);
  }

  /** Where task starts and stops go. */
  public TaskEvents events() {
    return forwarder == null ? TaskEvents.NONE : forwarder;
  }

  /** Whether forwarding is on. */
  public boolean isOn() {
    return forwarder != null;
  }

  /** When the forwarder last finished a sweep; null when forwarding is off. */
  public Instant lastCompletedSweep() {
    return forwarder == null ? null : forwarder.lastCompletedSweep();
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
