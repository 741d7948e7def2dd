package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.support.Messages;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.model.AccessDeniedException;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.Failure;

/** Translates AWS exceptions and RunTask {@code failures} into {@link EcsLaunchException}s. */
final class AwsErrors {
  private AwsErrors() {}

  /**
   * The launch exception for an SDK exception thrown by {@code action}.
   *
   * @param cluster the cluster name for messages (null = default)
   */
  static EcsLaunchException translate(String action, String cluster, SdkException e) {
    String message = Messages.firstLine(e.getMessage());
    if (e instanceof SdkClientException) {
      return EcsLaunchException.retryable("ECS " + action + " could not reach AWS: " + message, e);
    }
    if (!(e instanceof AwsServiceException service)) {
      return EcsLaunchException.retryable("ECS " + action + " failed: " + message, e);
    }
    String detail =
        service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
    String text = detail != null ? detail : message;
    if (isThrottling(service, text)) {
      return EcsLaunchException.throttled(
          "ECS " + action + " is throttled (Rate exceeded) even after retries; will retry", e);
    }
    if (service.statusCode() >= 500) {
      return EcsLaunchException.retryable("ECS " + action + " server error: " + text, e);
    }
    String clusterName = cluster == null ? "default" : cluster;
    if (e instanceof ClusterNotFoundException) {
      return EcsLaunchException.rejected(
          "ECS cluster "
              + clusterName
              + " not found: create it (`aws ecs create-cluster --cluster-name "
              + clusterName
              + "`) or set --cluster");
    }
    if (e instanceof AccessDeniedException || service.statusCode() == 403) {
      return EcsLaunchException.rejected(
          "Access denied for ecs:"
              + action
              + ": grant the agent's IAM role ecs:"
              + action
              + " (see docs/ecs.md): "
              + text);
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.contains("capacity provider") && lower.contains("not associated")) {
      return EcsLaunchException.rejected(
          "A capacity provider of the strategy is not associated with cluster "
              + clusterName
              + ": run `aws ecs put-cluster-capacity-providers --cluster "
              + clusterName
              + " --capacity-providers FARGATE FARGATE_SPOT --default-capacity-provider-strategy"
              + " capacityProvider=FARGATE,weight=1` or change --capacity-provider ("
              + text
              + ")");
    }
    return EcsLaunchException.rejected("ECS rejected " + action + ": " + text);
  }

  static boolean isThrottling(AwsServiceException e, String text) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    return e.isThrottlingException()
        || "ThrottlingException".equals(code)
        || (text != null && text.contains("Rate exceeded"));
  }

  /** True for failures that go away on their own: capacity, resources, ENI timeouts, agent. */
  static boolean isTransient(Failure failure) {
    String reason = failure.reason() == null ? "" : failure.reason();
    String detail = failure.detail() == null ? "" : failure.detail();
    String both = reason + " " + detail;
    return reason.startsWith("RESOURCE:")
        || reason.equals("AGENT")
        || both.contains("Capacity is unavailable")
        || both.contains("Timeout waiting for network interface provisioning")
        || both.toLowerCase(Locale.ROOT).contains("capacity");
  }

  /** True for failures that mean "no capacity right now". */
  static boolean isCapacity(Failure failure) {
    String both = failure.reason() + " " + failure.detail();
    return both.contains("Capacity is unavailable")
        || both.contains("RESOURCE:FARGATE")
        || both.toLowerCase(Locale.ROOT).contains("capacity");
  }

  static String describe(Failure failure) {
    return "arn="
        + failure.arn()
        + ", reason="
        + failure.reason()
        + (failure.detail() == null ? "" : ", detail=" + failure.detail());
  }
}
