package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Builds serialized Prefect 0.15.13 states as Core's marshmallow schema writes them, and reads the
 * parts of them the agent needs. Stateless and thread-safe.
 */
public final class PrefectStates {
  /** The Core version written into {@code __version__}. */
  public static final String VERSION = "0.15.13";

  /** Flow run message of the Submitted state (Core's agent). */
  public static final String FLOW_RUN_SUBMITTED = "Submitted for execution";

  /** Task run message of the Submitted state (Core's agent, with the trailing dot). */
  public static final String TASK_RUN_SUBMITTED = "Submitted for execution.";

  private static final Set<String> SCHEDULED_TYPES =
      Set.of("Scheduled", "Queued", "Retrying", "Resume", "Paused");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
  private static final DateTimeFormatter MICROS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx");

  private PrefectStates() {}

  /** {@code Submitted(message, state=previousState)}; {@code previousState} may be null. */
  public static ObjectNode submitted(JsonNode previousState, String message) {
    ObjectNode state = base("Submitted", message);
    state.set("state", previousState == null ? NODES.nullNode() : previousState.deepCopy());
    return state;
  }

  /**
   * The key under the Submitted state's {@code context} that names the claim: agents with the same
   * name, type and labels share one agent id on Prefect Server, so only this tells replicas apart.
   */
  public static final String CLAIM_KEY = "prefect_ecs_agent_claim";

  /**
   * {@code Submitted(message, state=previousState)} whose {@code context} carries {@code claim}
   * under {@link #CLAIM_KEY}, so a claim whose answer was lost can be recognised as this process's.
   */
  public static ObjectNode submitted(JsonNode previousState, String message, String claim) {
    ObjectNode state = submitted(previousState, message);
    ((ObjectNode) state.get("context")).put(CLAIM_KEY, claim);
    return state;
  }

  /**
   * The key under the Submitted state's {@code context} that names the launch attempt the claim
   * starts; the attempt's ECS task carries the same id, so its stop settles only that attempt.
   */
  public static final String ATTEMPT_KEY = "prefect_ecs_agent_attempt";

  /**
   * {@code Submitted(message, state=previousState)} whose {@code context} carries {@code claim}
   * under {@link #CLAIM_KEY} and {@code attempt} under {@link #ATTEMPT_KEY}.
   */
  public static ObjectNode submitted(
      JsonNode previousState, String message, String claim, String attempt) {
    ObjectNode state = submitted(previousState, message, claim);
    ((ObjectNode) state.get("context")).put(ATTEMPT_KEY, attempt);
    return state;
  }

  /** The attempt recorded in a Submitted state, or null. */
  public static String attemptOf(JsonNode serializedState) {
    if (serializedState == null) {
      return null;
    }
    JsonNode attempt = serializedState.path("context").path(ATTEMPT_KEY);
    return attempt.isTextual() ? attempt.asText() : null;
  }

  /** The claim recorded in a Submitted state by {@link #submitted(JsonNode, String, String)}. */
  public static String claimOf(JsonNode serializedState) {
    if (serializedState == null) {
      return null;
    }
    JsonNode claim = serializedState.path("context").path(CLAIM_KEY);
    return claim.isTextual() ? claim.asText() : null;
  }

  /** {@code Failed(message)}. */
  public static ObjectNode failed(String message) {
    return base("Failed", message);
  }

  /** {@code Pending(message)}: what Prefect's restart sets on unfinished task runs. */
  public static ObjectNode pending(String message) {
    return base("Pending", message);
  }

  /** {@code Cancelled(message)}. */
  public static ObjectNode cancelled(String message) {
    return base("Cancelled", message);
  }

  /** {@code Scheduled(message, start_time)}; {@code startTime} may be null. */
  public static ObjectNode scheduled(String message, Instant startTime) {
    ObjectNode state = base("Scheduled", message);
    state.put("start_time", startTime == null ? null : format(startTime));
    return state;
  }

  /**
   * Finished state types (Core 0.15's {@code Finished} subclasses): a run or task run in one of
   * them is never overwritten.
   */
  public static final Set<String> FINISHED =
      Set.of(
          "Finished",
          "Success",
          "Cached",
          "Mapped",
          "Skipped",
          "Looped",
          "Failed",
          "TimedOut",
          "TriggerFailed",
          "ValidationFailed",
          "Cancelled");

  /** Whether {@code type} is a finished state type. */
  public static boolean isFinished(String type) {
    return type != null && FINISHED.contains(type);
  }

  /** The {@code type} of a serialized state, or null. */
  public static String typeOf(JsonNode serializedState) {
    if (serializedState == null || !serializedState.isObject()) {
      return null;
    }
    JsonNode type = serializedState.get("type");
    return type != null && type.isTextual() ? type.asText() : null;
  }

  /**
   * Whether {@code type} is a Scheduled-type state (Scheduled, Queued, Retrying, Resume, Paused).
   */
  public static boolean isScheduledType(String type) {
    return type != null && SCHEDULED_TYPES.contains(type);
  }

  /** The {@code start_time} of a serialized state, if it has a parseable one. */
  public static Optional<Instant> startTime(JsonNode serializedState) {
    if (serializedState == null || !serializedState.isObject()) {
      return Optional.empty();
    }
    JsonNode value = serializedState.get("start_time");
    if (value == null || !value.isTextual()) {
      return Optional.empty();
    }
    return parseInstant(value.asText());
  }

  /** Parses an ISO-8601 timestamp; one without an offset is taken as UTC (as pendulum does). */
  public static Optional<Instant> parseInstant(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      TemporalAccessor parsed =
          DateTimeFormatter.ISO_DATE_TIME.parseBest(
              text.trim(), OffsetDateTime::from, LocalDateTime::from);
      if (parsed instanceof OffsetDateTime offset) {
        return Optional.of(offset.toInstant());
      }
      return Optional.of(((LocalDateTime) parsed).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * ISO-8601 UTC with an explicit {@code +00:00} offset and microseconds when not zero, as Python's
   * {@code isoformat()} writes timestamps (e.g. {@code 2021-12-01T10:00:00+00:00}).
   */
  public static String format(Instant instant) {
    Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
    return (micros.getNano() == 0 ? SECONDS : MICROS).format(micros.atOffset(ZoneOffset.UTC));
  }

  private static ObjectNode base(String type, String message) {
    Objects.requireNonNull(type, "type");
    ObjectNode state = NODES.objectNode();
    state.put("type", type);
    state.put("message", message);
    state.set("context", NODES.objectNode());
    state.set("cached_inputs", NODES.objectNode());
    ObjectNode result = NODES.objectNode();
    result.put("type", "NoResultType");
    result.put("__version__", VERSION);
    state.set("_result", result);
    state.put("__version__", VERSION);
    return state;
  }
}
