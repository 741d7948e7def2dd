package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefectStatesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void submittedWrapsThePreviousStateLikeCore() throws Exception {
    JsonNode scheduled =
        MAPPER.readTree(
            "{\"type\":\"Scheduled\",\"message\":\"Flow run scheduled.\",\"start_time\":\"2021-12-01T10:00:00+00:00\"}");

    JsonNode submitted = PrefectStates.submitted(scheduled, PrefectStates.FLOW_RUN_SUBMITTED);

    assertThat(submitted)
        .isEqualTo(
            MAPPER.readTree(
                "{\"type\":\"Submitted\","
                    + "\"message\":\"Submitted for execution\",\"context\":{},\"cached_inputs\":{},"
                    + "\"_result\":{\"type\":\"NoResultType\",\"__version__\":\"0.15.13\"},"
                    + "\"__version__\":\"0.15.13\",\"state\":"
                    + scheduled
                    + "}"));
    assertThat(PrefectStates.TASK_RUN_SUBMITTED).isEqualTo("Submitted for execution.");
  }

  @Test
  void failedCarriesTheMessage() {
    JsonNode failed = PrefectStates.failed("image not found");

    assertThat(failed.path("type").asText()).isEqualTo("Failed");
    assertThat(failed.path("message").asText()).isEqualTo("image not found");
    assertThat(failed.path("_result").path("type").asText()).isEqualTo("NoResultType");
    assertThat(failed.has("state")).isFalse();
  }

  @Test
  void scheduledCarriesTheStartTime() {
    JsonNode scheduled = PrefectStates.scheduled("later", Instant.parse("2021-12-01T10:00:00Z"));

    assertThat(scheduled.path("start_time").asText()).isEqualTo("2021-12-01T10:00:00+00:00");
    assertThat(PrefectStates.format(Instant.parse("2021-12-01T10:00:00.123456789Z")))
        .isEqualTo("2021-12-01T10:00:00.123456+00:00");
    assertThat(PrefectStates.startTime(scheduled)).contains(Instant.parse("2021-12-01T10:00:00Z"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "Scheduled,true", "Queued,true", "Retrying,true", "Resume,true", "Paused,true",
    "Submitted,false", "Running,false", "Pending,false", "Failed,false", "scheduled,false"
  })
  void knowsScheduledTypes(String type, boolean scheduled) {
    assertThat(PrefectStates.isScheduledType(type)).isEqualTo(scheduled);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "2021-12-01T10:00:00+00:00,2021-12-01T10:00:00Z",
    "2021-12-01T10:00:00.123456+00:00,2021-12-01T10:00:00.123456Z",
    "2021-12-01T11:00:00+01:00,2021-12-01T10:00:00Z",
    "2021-12-01T10:00:00Z,2021-12-01T10:00:00Z",
    "2021-12-01T10:00:00,2021-12-01T10:00:00Z"
  })
  void readsStartTimesAsInstants(String text, String expected) {
    JsonNode state = MAPPER.createObjectNode().put("type", "Scheduled").put("start_time", text);

    assertThat(PrefectStates.startTime(state)).contains(Instant.parse(expected));
  }

  @Test
  void missingOrBadStartTimeIsEmpty() {
    assertThat(PrefectStates.startTime(null)).isEmpty();
    assertThat(PrefectStates.startTime(PrefectStates.failed("x"))).isEmpty();
    assertThat(PrefectStates.startTime(MAPPER.createObjectNode().put("start_time", "soon")))
        .isEqualTo(Optional.empty());
  }
}
