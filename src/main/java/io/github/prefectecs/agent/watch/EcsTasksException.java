package io.github.prefectecs.agent.watch;

/** An ECS call of task supervision failed; {@link #retryable()} says whether to try again. */
public final class EcsTasksException extends RuntimeException {
  private final boolean retryable;

  public EcsTasksException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
