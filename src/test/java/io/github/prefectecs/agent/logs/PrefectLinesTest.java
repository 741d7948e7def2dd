package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which container lines count as already sent by the flow's Prefect 1.x logger. */
class PrefectLinesTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiterString = " => ",
      value = {
        "[2026-11-24 10:00:00,123] INFO - prefect.CloudFlowRunner | Beginning Flow run => true",
        "[2026-11-24 10:00:00] DEBUG - prefect.FlowRunner | x => true",
        "[2026-11-24 10:00:00,123] CRITICAL - prefect | root prefect logger => true",
        "[2026-11-24 10:00:00,123] WARNING - prefect.Task: extract | a task logger => true",
        "[2026-11-24 10:00:00,123] INFO - myapp | not Prefect's logger => false",
        "[2026-11-24 10:00:00,123] INFO - prefectish | not Prefect's logger => false",
        "INFO - prefect.FlowRunner | no timestamp => false",
        "ModuleNotFoundError: No module named 'pandas' => false",
        "'  indented, but no Prefect record before it' => false",
      })
  void aFirstLineIsRecognisedByPrefectsFormat(String line, boolean sent) {
    assertThat(new PrefectLines().alreadySent(line)).isEqualTo(sent);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiterString = " => ",
      value = {
        "Traceback (most recent call last): => true",
        "'  File \"flow.py\", line 3, in run' => true",
        "user print after the record => false",
      })
  void linesRightAfterAPrefectRecordContinueItOnlyWhenIndentedOrATraceback(
      String line, boolean sent) {
    PrefectLines lines = new PrefectLines();
    lines.alreadySent("[2026-11-24 10:00:00,123] ERROR - prefect.TaskRunner | failed");
    assertThat(lines.alreadySent(line)).isEqualTo(sent);
  }
}
