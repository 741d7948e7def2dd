package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.Messages;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * {@link LogsApi} over the AWS SDK's {@link CloudWatchLogsClient}. The only class of the forwarder
 * that sees SDK types.
 *
 * <p>Thread-safe. Closes the client it is given.
 */
public final class AwsLogsApi implements LogsApi {
  private final CloudWatchLogsClient client;

  public AwsLogsApi(CloudWatchLogsClient client) {
    this.client = client;
  }

  @Override
  public FilterPage filter(
      String group, List<String> streams, long startTimeMillis, String nextToken) {
    if (streams.isEmpty() || streams.size() > MAX_STREAMS_PER_CALL) {
      throw new IllegalArgumentException(
          "FilterLogEvents takes 1 to " + MAX_STREAMS_PER_CALL + " streams, got " + streams.size());
    }
    FilterLogEventsResponse response =
        call(
            "FilterLogEvents",
            group,
            () ->
                client.filterLogEvents(
                    FilterLogEventsRequest.builder()
                        .logGroupName(group)
                        .logStreamNames(streams)
                        .startTime(Math.max(0, startTimeMillis))
                        .nextToken(nextToken)
                        .build()));
    List<LogEvent> events =
        response.events().stream()
            .map(
                e ->
                    new LogEvent(
                        e.eventId(),
                        e.logStreamName(),
                        e.timestamp() == null ? 0 : e.timestamp(),
                        e.ingestionTime() == null ? 0 : e.ingestionTime(),
                        e.message()))
            .toList();
    String token = response.nextToken();
    return new FilterPage(events, token == null || token.isEmpty() ? null : token);
  }

  @Override
  public boolean createGroup(String group) {
    try {
      call("CreateLogGroup", group, () -> client.createLogGroup(b -> b.logGroupName(group)));
      return true;
    } catch (LogsException e) {
      if (e.getCause() instanceof ResourceAlreadyExistsException) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    client.close();
  }

  private static <T> T call(String action, String group, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw translate(action, group, e);
    }
  }

  static LogsException translate(String action, String group, SdkException e) {
    String message = Messages.firstLine(e.getMessage());
    String where = "CloudWatch Logs " + action + " on log group " + group;
    if (e instanceof SdkClientException || !(e instanceof AwsServiceException service)) {
      return new LogsException(
          LogsException.Kind.TRANSIENT, where + " could not reach AWS: " + message, e);
    }
    String code =
        service.awsErrorDetails() == null
            ? ""
            : String.valueOf(service.awsErrorDetails().errorCode());
    String lower = (code + " " + message).toLowerCase(Locale.ROOT);
    if (service.isThrottlingException()
        || lower.contains("throttl")
        || lower.contains("rate exceeded")
        || lower.contains("limitexceeded")) {
      return new LogsException(LogsException.Kind.THROTTLED, where + " is throttled", e);
    }
    if (service.statusCode() >= 500) {
      return new LogsException(
          LogsException.Kind.TRANSIENT, where + " failed on the server: " + message, e);
    }
    if (lower.contains("accessdenied") || service.statusCode() == 403) {
      return new LogsException(
          LogsException.Kind.ACCESS_DENIED, where + ": access denied: " + message, e);
    }
    if (e instanceof ResourceNotFoundException) {
      return new LogsException(LogsException.Kind.NOT_FOUND, where + ": not found", e);
    }
    return new LogsException(LogsException.Kind.REJECTED, where + " failed: " + message, e);
  }
}
