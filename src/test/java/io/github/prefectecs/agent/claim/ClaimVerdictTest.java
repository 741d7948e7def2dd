package io.github.prefectecs.agent.claim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.prefect.TaskRun;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimVerdictTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OURS = "claim-a";

  private static JsonNode state(String type) {
    return JSON.createObjectNode().put("type", type).put("message", type);
  }

  private static TaskRun taskRun(String id, int version, JsonNode state) {
    return new TaskRun(id, version, "task", state);
  }

  private static JsonNode submitted(String claim) {
    return PrefectStates.submitted(state("Retrying"), "Submitted for execution.", claim);
  }

  @Test
  void taskRunsSubmittedWithOurTokenAreOurs() {
    List<TaskRun> written = List.of(taskRun("t1", 3, state("Retrying")));
    assertThat(ClaimVerdict.ofTaskRuns(written, List.of(taskRun("t1", 4, submitted(OURS))), OURS))
        .isEqualTo(ClaimVerdict.OURS);
  }

  @Test
  void taskRunsStillScheduledArePendingAWriteThatMayStillCommit() {
    List<TaskRun> written =
        List.of(taskRun("t1", 3, state("Retrying")), taskRun("t2", 1, state("Scheduled")));
    List<TaskRun> now =
        List.of(taskRun("t1", 4, submitted(OURS)), taskRun("t2", 1, state("Scheduled")));
    assertThat(ClaimVerdict.ofTaskRuns(written, now, OURS)).isEqualTo(ClaimVerdict.PENDING);
  }

  @Test
  void taskRunsAnotherAgentSubmittedOrThatRunOrVanishedAreNotOurs() {
    List<TaskRun> written = List.of(taskRun("t1", 3, state("Retrying")));
    assertThat(
            ClaimVerdict.ofTaskRuns(written, List.of(taskRun("t1", 4, submitted("claim-b"))), OURS))
        .isEqualTo(ClaimVerdict.NOT_OURS);
    assertThat(ClaimVerdict.ofTaskRuns(written, List.of(taskRun("t1", 5, state("Running"))), OURS))
        .isEqualTo(ClaimVerdict.NOT_OURS);
    assertThat(ClaimVerdict.ofTaskRuns(written, List.of(), OURS)).isEqualTo(ClaimVerdict.NOT_OURS);
  }

  @Test
  void flowRunSubmittedByThisAgentAndProcessIsOursAndByAReplicaIsNot() {
    FlowRun run =
        new FlowRun(
            "r1",
            2,
            "Scheduled",
            state("Scheduled"),
            null,
            null,
            null,
            "run",
            new Flow("f1", "etl", null, null, 1, "0.15.13"),
            List.of());
    JsonNode ours = PrefectStates.submitted(state("Scheduled"), "Submitted for execution", OURS);
    JsonNode replica =
        PrefectStates.submitted(state("Scheduled"), "Submitted for execution", "claim-b");
    assertThat(
            ClaimVerdict.ofFlowRun(
                run, new FlowRunStatus("r1", "Submitted", 3, "agent-1", ours), "agent-1", OURS))
        .isEqualTo(ClaimVerdict.OURS);
    assertThat(
            ClaimVerdict.ofFlowRun(
                run, new FlowRunStatus("r1", "Submitted", 3, "agent-1", replica), "agent-1", OURS))
        .isEqualTo(ClaimVerdict.NOT_OURS);
    assertThat(
            ClaimVerdict.ofFlowRun(
                run, new FlowRunStatus("r1", "Scheduled", 2, null), "agent-1", OURS))
        .isEqualTo(ClaimVerdict.PENDING);
    assertThat(ClaimVerdict.ofFlowRun(run, null, "agent-1", OURS)).isEqualTo(ClaimVerdict.NOT_OURS);
  }
}
