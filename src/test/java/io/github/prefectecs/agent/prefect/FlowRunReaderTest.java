package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowRunReaderTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2021-12-01T12:00:00Z");

  private static String row(String id, String startTime) {
    String state =
        startTime == null
            ? "{\"type\":\"Running\"}"
            : "{\"type\":\"Scheduled\",\"start_time\":\"" + startTime + "\"}";
    return "{\"id\":\""
        + id
        + "\",\"version\":2,\"state\":\"Scheduled\",\"serialized_state\":"
        + state
        + ",\"flow\":{\"id\":\"f\",\"name\":\"etl\",\"version\":null},\"task_runs\":[]}";
  }

  @Test
  void sortsByStartTimeAsInstantsNotStrings() throws Exception {
    // as strings "10:30+01:00" sorts after "10:00+00:00", but it is 09:30 UTC
    String rows =
        "["
            + row("utc", "2021-12-01T10:00:00+00:00")
            + ","
            + row("none", null)
            + ","
            + row("plus-one", "2021-12-01T10:30:00+01:00")
            + "]";

    List<FlowRun> runs = FlowRunReader.read(MAPPER.readTree(rows), NOW);

    assertThat(runs).extracting(FlowRun::id).containsExactly("plus-one", "utc", "none");
  }

  @Test
  void toleratesNullColumns() throws Exception {
    String rows =
        "[{\"id\":\"r\",\"version\":null,\"state\":null,\"serialized_state\":null,"
            + "\"parameters\":null,\"scheduled_start_time\":null,\"run_config\":null,\"name\":null,"
            + "\"flow\":{\"id\":\"f\",\"name\":\"etl\",\"environment\":null,\"storage\":null,"
            + "\"version\":null,\"core_version\":null},\"task_runs\":[{\"id\":\"t\",\"version\":1,"
            + "\"task_id\":\"k\",\"serialized_state\":null}]}]";

    FlowRun run = FlowRunReader.read(MAPPER.readTree(rows), NOW).get(0);

    assertThat(run.version()).isZero();
    assertThat(run.serializedState()).isNull();
    assertThat(run.runConfig()).isNull();
    assertThat(run.flow().version()).isNull();
    assertThat(run.taskRuns()).extracting(TaskRun::taskId).containsExactly("k");
  }

  @Test
  void aRunWithoutItsFlowIsMalformed() throws Exception {
    assertThatThrownBy(() -> FlowRunReader.read(MAPPER.readTree("[{\"id\":\"r\"}]"), NOW))
        .isInstanceOfSatisfying(
            PrefectApiException.class,
            e -> assertThat(e.kind()).isEqualTo(PrefectApiException.Kind.MALFORMED))
        .hasMessageContaining("flow run r came back without its flow");
  }
}
