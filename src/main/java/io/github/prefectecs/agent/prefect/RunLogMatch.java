package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * Which log rows of one flow run a log query wants: those whose {@code info} contains {@code
 * infoContains} (jsonb containment, as Hasura's {@code _contains}), and, when {@code since} is set,
 * whose timestamp is at or after it.
 *
 * @param flowRunId the flow run
 * @param infoContains a JSON object the row's {@code info} must contain
 * @param since the earliest timestamp wanted; null for any
 */
public record RunLogMatch(String flowRunId, JsonNode infoContains, Instant since) {
  public RunLogMatch {
    Objects.requireNonNull(flowRunId, "flowRunId");
    Objects.requireNonNull(infoContains, "infoContains");
    if (!infoContains.isObject()) {
      throw new IllegalArgumentException("infoContains must be a JSON object, was " + infoContains);
    }
  }
}
