package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GraphqlErrorsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @ParameterizedTest(name = "{0} / {1} -> {2}")
  @CsvSource({
    "UNAUTHENTICATED: bad key,,UNAUTHENTICATED",
    "Malformed Authorization header,,UNAUTHENTICATED",
    "State update failed: this run has already been submitted.,INTERNAL_SERVER_ERROR,ALREADY_SUBMITTED",
    "State update failed for flow run ID x,INTERNAL_SERVER_ERROR,ALREADY_SUBMITTED",
    "Version mismatch,VERSION_LOCKING_ERROR,VERSION_LOCK",
    "Foreign key violation.,INTERNAL_SERVER_ERROR,GRAPHQL"
  })
  void classifiesErrors(String message, String code, Kind kind) {
    JsonNode error = MAPPER.createObjectNode().put("message", message);
    if (code != null) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) error)
          .putObject("extensions")
          .put("code", code);
    }

    PrefectApiException exception = GraphqlErrors.classify("op", List.of(error));

    assertThat(exception.kind()).isEqualTo(kind);
    assertThat(exception.retryable()).isFalse();
    assertThat(exception.getMessage()).contains(message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"'line one\n  line two',line one line two", "'  x  ',x"})
  void messagesAreOneLine(String text, String expected) {
    assertThat(GraphqlErrors.oneLine(text)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "Retry-After {0} -> {1} ms")
  @CsvSource({
    "3,3000",
    "0,0",
    "100,10000",
    "'Sun, 22 Nov 2026 20:00:05 GMT',5000",
    "'Sun, 22 Nov 2026 19:59:00 GMT',0",
    "soon,-1",
    "'',-1"
  })
  void parsesRetryAfter(String header, long millis) {
    Clock clock = Clock.fixed(Instant.parse("2026-11-22T20:00:00Z"), ZoneOffset.UTC);

    var parsed = RetryAfter.parse(header, clock, Duration.ofSeconds(10));

    if (millis < 0) {
      assertThat(parsed).isEmpty();
    } else {
      assertThat(parsed).contains(Duration.ofMillis(millis));
    }
  }
}
