package io.github.prefectecs.agent.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.support.JsonTrees;

/**
 * The {@code info} JSON of the run logs the forwarder writes: which CloudWatch stream and event a
 * line is, and from which timestamp that stream's reading must resume so that nothing not yet
 * written is skipped. After a restart these fields, read back from the server's {@code log} table,
 * are where each stream's reading resumes. Stateless.
 */
final class ForwardedInfo {
  /** The stream the line came from ({@code prefix/container/task-id}). */
  static final String STREAM = "cloudwatch_stream";

  /** The CloudWatch event id of a forwarded line. */
  static final String EVENT = "cloudwatch_event";

  /**
   * A timestamp (milliseconds) at or before every line of the stream not yet written when this one
   * was sent: reading resumes from it.
   */
  static final String RESUME_FROM = "resume_from";

  /** Marks the ERROR log of an abnormal stop. */
  static final String STOP = "stop_evidence";

  private ForwardedInfo() {}

  static ObjectNode line(String stream, String eventId, long resumeFrom) {
    ObjectNode info = JsonTrees.object();
    info.put(STREAM, stream);
    info.put(EVENT, eventId);
    info.put(RESUME_FROM, resumeFrom);
    return info;
  }

  static ObjectNode stop(String stream, long resumeFrom) {
    ObjectNode info = JsonTrees.object();
    info.put(STREAM, stream);
    info.put(STOP, true);
    info.put(RESUME_FROM, resumeFrom);
    return info;
  }

  /** What a query for {@code stream}'s rows asks the row's {@code info} to contain. */
  static ObjectNode ofStream(String stream) {
    ObjectNode info = JsonTrees.object();
    info.put(STREAM, stream);
    return info;
  }

  static String stream(JsonNode info) {
    return info != null && info.path(STREAM).isTextual() ? info.get(STREAM).asText() : null;
  }

  static String eventId(JsonNode info) {
    return info != null && info.path(EVENT).isTextual() ? info.get(EVENT).asText() : null;
  }

  static boolean isStop(JsonNode info) {
    return info != null && info.path(STOP).asBoolean(false);
  }

  /** The row's resume point, or {@code Long.MIN_VALUE} when it has none. */
  static long resumeFrom(JsonNode info) {
    return info != null && info.path(RESUME_FROM).canConvertToLong()
        ? info.get(RESUME_FROM).asLong()
        : Long.MIN_VALUE;
  }
}
