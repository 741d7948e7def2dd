package io.github.prefectecs.agent.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.model.AccessDeniedException;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.InvalidParameterException;
import software.amazon.awssdk.services.ecs.model.ServerException;

/** How AWS exceptions and RunTask failures become Retryable or Rejected. */
class AwsErrorsTest {

  private static AwsErrorDetails details(String code, String message) {
    return AwsErrorDetails.builder().errorCode(code).errorMessage(message).build();
  }

  static Stream<Arguments> exceptions() {
    return Stream.of(
        Arguments.of(FakeEcsClient.throttling(), true, "throttled"),
        Arguments.of(
            InvalidParameterException.builder()
                .statusCode(400)
                .awsErrorDetails(details("InvalidParameterException", "Rate exceeded"))
                .build(),
            true,
            "throttled"),
        Arguments.of(
            SdkClientException.create("Unable to execute HTTP request: Connection refused"),
            true,
            "could not reach AWS"),
        Arguments.of(
            ServerException.builder()
                .statusCode(500)
                .awsErrorDetails(details("ServerException", "oops"))
                .build(),
            true,
            "server error"),
        Arguments.of(
            ClusterNotFoundException.builder()
                .statusCode(400)
                .awsErrorDetails(details("ClusterNotFoundException", "Cluster not found."))
                .build(),
            false,
            "ECS cluster prod not found: create it"),
        Arguments.of(
            AccessDeniedException.builder()
                .statusCode(400)
                .awsErrorDetails(details("AccessDeniedException", "not authorized"))
                .build(),
            false,
            "Access denied for ecs:RunTask"),
        Arguments.of(
            InvalidParameterException.builder()
                .statusCode(400)
                .awsErrorDetails(
                    details(
                        "InvalidParameterException",
                        "The specified capacity provider strategy cannot contain a capacity provider"
                            + " that is not associated with the cluster."))
                .build(),
            false,
            "aws ecs put-cluster-capacity-providers --cluster prod"),
        Arguments.of(
            ClientException.builder()
                .statusCode(400)
                .awsErrorDetails(details("ClientException", "Bad image"))
                .build(),
            false,
            "ECS rejected RunTask: Bad image"));
  }

  @ParameterizedTest
  @MethodSource("exceptions")
  void exceptionsAreClassified(SdkException e, boolean retryable, String message) {
    EcsLaunchException translated = AwsErrors.translate("RunTask", "prod", e);

    assertThat(translated.retryable()).isEqualTo(retryable);
    assertThat(translated.throttled()).isEqualTo(message.equals("throttled"));
    assertThat(translated.getMessage()).contains(message).doesNotContain("\n");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "RESOURCE:MEMORY,,true",
    "AGENT,,true",
    "'Capacity is unavailable at this time. Please try again later or in a different availability zone',,true",
    "ResourceInitializationError,Timeout waiting for network interface provisioning,true",
    "ATTRIBUTE,,false",
    "MISSING,,false"
  })
  void failuresAreTransientOnlyForCapacityResourcesEniAndAgent(
      String reason, String detail, boolean transientFailure) {
    assertThat(AwsErrors.isTransient(Failure.builder().reason(reason).detail(detail).build()))
        .isEqualTo(transientFailure);
  }
}
