package io.github.prefectecs.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/** How CloudWatch Logs errors become {@link LogsException} kinds. */
class AwsLogsErrorsTest {

  private static SdkException error(String code, int status) {
    if (code.equals("client")) {
      return SdkClientException.create("Unable to execute HTTP request: Connection refused");
    }
    AwsErrorDetails details =
        AwsErrorDetails.builder().errorCode(code).errorMessage(code + " happened").build();
    if (code.equals("ResourceNotFoundException")) {
      return ResourceNotFoundException.builder()
          .awsErrorDetails(details)
          .statusCode(status)
          .message("The specified log group does not exist.")
          .build();
    }
    return CloudWatchLogsException.builder()
        .awsErrorDetails(details)
        .statusCode(status)
        .message(code)
        .build();
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @CsvSource({
    "ThrottlingException,400,THROTTLED,true",
    "LimitExceededException,400,THROTTLED,true",
    "ServiceUnavailableException,503,TRANSIENT,true",
    "client,0,TRANSIENT,true",
    "AccessDeniedException,400,ACCESS_DENIED,false",
    "ResourceNotFoundException,400,NOT_FOUND,false",
    "InvalidParameterException,400,REJECTED,false",
  })
  void awsErrorsMapToKinds(String code, int status, LogsException.Kind kind, boolean retryable) {
    LogsException e =
        AwsLogsApi.translate("FilterLogEvents", "/prefect/flow-runs", error(code, status));
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.retryable()).isEqualTo(retryable);
    assertThat(e.getMessage())
        .startsWith("CloudWatch Logs FilterLogEvents on log group /prefect/flow-runs")
        .doesNotContain("\n");
  }
}
