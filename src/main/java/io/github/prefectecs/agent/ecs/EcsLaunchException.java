package io.github.prefectecs.agent.ecs;

/**
 * The one exception type of the ECS seam: a launch step failed. {@link #retryable()} tells the
 * launcher whether the run should be retried later (throttling, capacity, network) or rejected (bad
 * run config, missing permission, unknown cluster). Messages are one line and carry no secrets.
 */
public final class EcsLaunchException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;

  EcsLaunchException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  static EcsLaunchException rejected(String message) {
    return new EcsLaunchException(message, false, null);
  }

  static EcsLaunchException retryable(String message, Throwable cause) {
    return new EcsLaunchException(message, true, cause);
  }

  public boolean retryable() {
    return retryable;
  }
}
