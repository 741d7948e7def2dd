package io.github.prefectecs.agent.aws;

/**
 * A failed default-VPC lookup. The message is one line naming the EC2 action and the cause (an EC2
 * error code and message, an HTTP status or a connection failure); it never carries credentials or
 * signatures.
 */
public final class VpcLookupException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;

  VpcLookupException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** Whether asking again later may succeed (throttling, 5xx, connection failures). */
  public boolean retryable() {
    return retryable;
  }
}
