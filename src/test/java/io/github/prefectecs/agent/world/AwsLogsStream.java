package io.github.prefectecs.agent.world;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;

/**
 * The awslogs log driver for one container: the stream is created when the container starts, each
 * output line becomes one event stamped when it was printed, and buffered events go out with
 * PutLogEvents in order, in batches within the API's limits (10,000 events, 1 MiB).
 *
 * <p>Thread-safe: lines may be added while a flush runs; flushes run one at a time.
 */
final class AwsLogsStream {
  private static final int MAX_EVENTS = 10_000;
  private static final int MAX_BYTES = 1_048_576;
  private static final int EVENT_OVERHEAD = 26;
  // CloudWatch Logs' safe event size (256 KiB) less room for the overhead.
  private static final int MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD;
  private final CloudWatchLogsClient logs;
  private final ContainerSpec.AwsLogs target;
  private final Object flushing = new Object();
  private List<InputLogEvent> buffer = new ArrayList<>();
  private long lastStamp;

  AwsLogsStream(CloudWatchLogsClient logs, ContainerSpec.AwsLogs target) {
    this.logs = logs;
    this.target = target;
  }

  ContainerSpec.AwsLogs target() {
    return target;
  }

  /** CreateLogStream, as the driver does when the container starts. */
  void open() {
    try {
      logs.createLogStream(r -> r.logGroupName(target.group()).logStreamName(target.stream()));
    } catch (ResourceAlreadyExistsException exists) {
      // A second container start in one task reuses the stream, as the driver does.
    }
  }

  /**
   * Buffers one line, stamped now (never earlier than the line before it). Empty lines are dropped,
   * as CloudWatch Logs takes no empty event.
   */
  synchronized void add(String line) {
    if (line.isEmpty()) {
      return;
    }
    long now = Math.max(System.currentTimeMillis(), lastStamp);
    lastStamp = now;
    buffer.add(InputLogEvent.builder().timestamp(now).message(cut(line)).build());
  }

  /** Sends everything buffered so far; on failure the events are kept for the next flush. */
  void flush() {
    synchronized (flushing) {
      List<InputLogEvent> events;
      synchronized (this) {
        if (buffer.isEmpty()) {
          return;
        }
        events = buffer;
        buffer = new ArrayList<>();
      }
      int sent = 0;
      try {
        while (sent < events.size()) {
          int end = batchEnd(events, sent);
          List<InputLogEvent> batch = events.subList(sent, end);
          logs.putLogEvents(
              r -> r.logGroupName(target.group()).logStreamName(target.stream()).logEvents(batch));
          sent = end;
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          List<InputLogEvent> unsent = new ArrayList<>(events.subList(sent, events.size()));
          unsent.addAll(buffer);
          buffer = unsent;
        }
        throw e;
      }
    }
  }

  private static int batchEnd(List<InputLogEvent> events, int from) {
    int bytes = 0;
    int end = from;
    while (end < events.size() && end - from < MAX_EVENTS) {
      int size = events.get(end).message().getBytes(StandardCharsets.UTF_8).length + EVENT_OVERHEAD;
      if (bytes + size > MAX_BYTES) {
        break;
      }
      bytes += size;
      end++;
    }
    return end;
  }

  private static String cut(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_MESSAGE_BYTES) {
      return line;
    }
    return new String(bytes, 0, MAX_MESSAGE_BYTES, StandardCharsets.UTF_8);
  }
}
