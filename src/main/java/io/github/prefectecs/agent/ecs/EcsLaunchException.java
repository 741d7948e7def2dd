package io.github.prefectecs.agent.ecs;

/**
 * The one exception type of the ECS seam: a launch step failed. {@link #retryable()} tells the
 * launcher whether the run should be retried later (throttling, capacity, network) or rejected (bad
 * run config, missing permission, unknown cluster). Messages are one line and carry no secrets.
 */
public final class EcsLaunchException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;
  private final boolean throttled;

  EcsLaunchException(String message, boolean retryable, Throwable cause) {
    this(message, retryable, false, cause);
  }

  private EcsLaunchException(
      String message, boolean retryable, boolean throttled, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.throttled = throttled;
  }

  static EcsLaunchException rejected(String message) {
    return new EcsLaunchException(message, false, null);
  }

  static EcsLaunchException retryable(String message, Throwable cause) {
    return new EcsLaunchException(message, true, cause);
  }

  /** AWS throttled the call even after the SDK's retries. */
  static EcsLaunchException throttled(String message, Throwable cause) {
    return new EcsLaunchException(message, true, true, cause);
  }

  public boolean retryable() {
    return retryable;
  }

  /** Whether AWS throttled the call (retried without limit, never a failed run). */
  public boolean throttled() {
    return throttled;
  }
}
