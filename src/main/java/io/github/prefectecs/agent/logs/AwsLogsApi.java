package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
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
  public FilterPage filter(FilterQuery query, String nextToken) {
    FilterLogEventsRequest.Builder request =
        FilterLogEventsRequest.builder()
            .logGroupName(query.group())
            .startTime(Math.max(0, query.startTime()))
            .endTime(Math.max(0, query.endTime()))
            .nextToken(nextToken);
    if (query.isPrefixRead()) {
      request.logStreamNamePrefix(query.streamPrefix());
    } else {
      request.logStreamNames(query.streams());
    }
    FilterLogEventsResponse response =
        call("FilterLogEvents", query.group(), () -> client.filterLogEvents(request.build()));
    List<LogEvent> events = new ArrayList<>(response.events().size());
    for (FilteredLogEvent e : response.events()) {
      events.add(
          new LogEvent(
              e.eventId(),
              e.logStreamName(),
              e.timestamp() == null ? 0 : e.timestamp(),
              e.ingestionTime() == null ? 0 : e.ingestionTime(),
              e.message()));
    }
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
    if (e instanceof ResourceNotFoundException || code.equals("ResourceNotFoundException")) {
      // CloudWatch says which kind of resource is missing only in its message.
      return lower.contains("log stream")
          ? new LogsException(
              LogsException.Kind.STREAM_NOT_FOUND,
              where + ": a named log stream does not exist (yet)",
              e)
          : new LogsException(
              LogsException.Kind.NOT_FOUND,
              where + ": the log group does not exist; create it or correct --log-group",
              e);
    }
    return new LogsException(LogsException.Kind.REJECTED, where + " failed: " + message, e);
  }
}
