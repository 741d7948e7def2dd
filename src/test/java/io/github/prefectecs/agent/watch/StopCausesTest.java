package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StopCausesTest {
  private static final String ARN = "arn:aws:ecs:us-east-1:1:task/c/abc";

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "EssentialContainerExited",
            "Essential container in task exited",
            137,
            "OutOfMemoryError: Container killed due to memory usage",
            Verdict.Failure.class,
            true,
            new String[] {
              "exited with code 137",
              "OutOfMemoryError: Container killed due to memory usage",
              "Essential container in task exited"
            }),
        Arguments.of(
            "EssentialContainerExited",
            "Essential container in task exited",
            1,
            null,
            Verdict.Failure.class,
            false,
            new String[] {"exited with code 1"}),
        Arguments.of(
            "EssentialContainerExited",
            "Essential container in task exited",
            0,
            null,
            Verdict.CleanExit.class,
            false,
            new String[] {"container 'flow' exited with code 0"}),
        Arguments.of(
            "TaskFailedToStart",
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
            null,
            null,
            Verdict.Failure.class,
            true,
            new String[] {
              "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"
            }),
        Arguments.of(
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth",
            null,
            null,
            Verdict.Failure.class,
            true,
            new String[] {"ResourceInitializationError: unable to pull secrets"}),
        Arguments.of(
            "SpotInterruption",
            "Your Spot Task was interrupted.",
            143,
            null,
            Verdict.SpotInterrupted.class,
            false,
            new String[] {"Fargate Spot", "SpotInterruption"}),
        Arguments.of(
            "TerminationNotice",
            "Your Spot Task was interrupted.",
            null,
            null,
            Verdict.SpotInterrupted.class,
            false,
            new String[] {"Fargate Spot"}),
        Arguments.of(
            "UserInitiated",
            "Stopped from the console",
            143,
            null,
            Verdict.Failure.class,
            false,
            new String[] {"stopped outside this agent", "UserInitiated: Stopped from the console"}),
        Arguments.of(
            "ServiceSchedulerInitiated",
            "Scaling activity initiated by deployment",
            143,
            null,
            Verdict.Failure.class,
            true,
            new String[] {"ServiceSchedulerInitiated: Scaling activity initiated by deployment"}),
        Arguments.of(
            "TerminationNotice",
            "Host maintenance",
            null,
            null,
            Verdict.Failure.class,
            true,
            new String[] {"TerminationNotice: Host maintenance"}),
        // moto's StopTask: no stop code, exit code 0, the reason as sent
        Arguments.of(
            null,
            "stopped by an operator",
            0,
            null,
            Verdict.Failure.class,
            false,
            new String[] {"no stop code: stopped by an operator"}));
  }

  @ParameterizedTest
  @MethodSource("table")
  void eachStopCauseBecomesItsVerdictNamingTheTaskAndTheCause(
      String code,
      String reason,
      Integer exit,
      String containerReason,
      Class<? extends Verdict> kind,
      boolean infrastructure,
      String[] facts) {
    Verdict verdict =
        StopCauses.of(FakeEcsTasks.stoppedTask(ARN, "run", code, reason, exit, containerReason));

    assertThat(verdict).isInstanceOf(kind);
    assertThat(verdict.message()).contains(ARN).contains(facts);
    if (verdict instanceof Verdict.Failure failure) {
      assertThat(failure.infrastructure()).isEqualTo(infrastructure);
    }
  }

  static Stream<Arguments> sidecars() {
    return Stream.of(
        Arguments.of(
            "a sidecar's non-zero exit beside a clean flow exit is no failure",
            List.of(new ObservedTask.Container("log-router", 1, null), flow(0, null)),
            Verdict.CleanExit.class,
            new String[] {
              "container 'flow' exited with code 0", "'log-router' exited with code 1"
            }),
        Arguments.of(
            "a flow OOM behind a sidecar is still an OOM",
            List.of(
                new ObservedTask.Container("envoy", 2, null),
                flow(137, "OutOfMemoryError: Container killed due to memory usage")),
            Verdict.Failure.class,
            new String[] {"container 'flow' exited with code 137", "OutOfMemoryError"}),
        Arguments.of(
            "a flow killed after an essential sidecar died is explained by it, not taken for OOM",
            List.of(new ObservedTask.Container("envoy", 1, null), flow(137, null)),
            Verdict.Failure.class,
            new String[] {"'flow' exited with code 137", "container 'envoy' exited with code 1"}));
  }

  private static ObservedTask.Container flow(Integer exit, String reason) {
    return new ObservedTask.Container("flow", exit, reason);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sidecars")
  void theFlowContainerDecidesAndASidecarOnlyExplains(
      String what,
      List<ObservedTask.Container> containers,
      Class<? extends Verdict> kind,
      String[] facts) {
    Verdict verdict =
        StopCauses.of(
            FakeEcsTasks.stoppedTask(
                ARN,
                "run",
                null,
                "EssentialContainerExited",
                "Essential container in task exited",
                containers));

    assertThat(verdict).as(what).isInstanceOf(kind);
    assertThat(verdict.message()).contains(ARN).contains(facts);
    if (verdict instanceof Verdict.Failure failure && facts[1].equals("OutOfMemoryError")) {
      assertThat(failure.infrastructure()).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("missingArns")
  void aTaskEcsNoLongerKnowsIsAFailureWithAnUnknownCause(String arn) {
    Verdict verdict = StopCauses.missing(arn);
    assertThat(verdict).isInstanceOf(Verdict.Failure.class);
    assertThat(verdict.message()).contains(arn).contains("no longer known to ECS");
  }

  static Stream<String> missingArns() {
    return Stream.of(ARN, "arn:aws:ecs:eu-west-1:2:task/other/def");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "arn:aws:ecs:us-east-1:1:task/prod/abc, dflt, prod",
    "arn:aws:ecs:us-east-1:1:task/abc, dflt, dflt",
    "not-an-arn, dflt, dflt"
  })
  void theClusterOfATaskComesFromItsArnElseTheAgentsCluster(
      String arn, String fallback, String cluster) {
    assertThat(EcsTasks.clusterOf(arn, fallback)).isEqualTo(cluster);
  }
}
