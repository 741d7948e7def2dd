package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.support.Messages;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns an AWS SDK failure of a check into one problem line with a fix. A refusal names the IAM
 * action refused and where the agent's permissions are kept.
 */
final class AwsProblems {
  private static final int MAX = 300;

  /** Where the agent's permissions are defined, for the fix of a refusal. */
  static final String POLICY = "deploy/agent.yaml, AgentPolicy on AgentTaskRole";

  private AwsProblems() {}

  /**
   * @param permission the IAM action the call needs, e.g. {@code ecs:DescribeClusters}
   */
  static CheckResult of(String name, String permission, SdkException e) {
    String message = shorten(Messages.firstLine(String.valueOf(e.getMessage())));
    if (e instanceof AwsServiceException service) {
      String code =
          service.awsErrorDetails() == null
              ? ""
              : String.valueOf(service.awsErrorDetails().errorCode());
      String lower = code.toLowerCase(Locale.ROOT);
      if (lower.contains("accessdenied") || lower.contains("unauthorized")) {
        String detail = service.awsErrorDetails().errorMessage();
        return refused(name, permission, detail == null ? message : Messages.firstLine(detail));
      }
      if (lower.contains("signature") || lower.contains("token") || lower.contains("credentials")) {
        return CheckResult.problem(
            name,
            "AWS did not accept the credentials: " + message,
            "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, the instance or task"
                + " role, or context.secrets.AWS_CREDENTIALS)");
      }
      return CheckResult.problem(
          name,
          permission + " failed: " + message,
          "run the check again; if it persists, see the AWS message");
    }
    if (e instanceof SdkClientException && message.contains("credentials")) {
      return CheckResult.problem(
          name,
          "no AWS credentials found",
          "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run on an instance or task"
              + " with a role, or set context.secrets.AWS_CREDENTIALS");
    }
    return CheckResult.problem(
        name,
        "cannot call AWS (" + permission + "): " + message,
        "check the network path to AWS, AWS_REGION and any AWS_ENDPOINT_URL");
  }

  /**
   * The problem of a call AWS refused: {@code permission refused: message}, fixed by granting that
   * permission to the agent's role.
   */
  static CheckResult refused(String name, String permission, String message) {
    return CheckResult.problem(
        name,
        permission + " refused: " + shorten(message),
        "grant " + permission + " to the agent's role (see " + POLICY + ")");
  }

  static String shorten(String line) {
    return line.length() > MAX ? line.substring(0, MAX) + "..." : line;
  }
}
