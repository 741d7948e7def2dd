package io.github.prefectecs.agent.logs;

/**
 * A failed CloudWatch Logs call. Carries whether trying again later may work and whether AWS
 * throttled the call.
 */
public final class LogsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, as far as the caller needs to know. */
  public enum Kind {
    /** Rate exceeded: back off, then resume. */
    THROTTLED,
    /** A network or server error: back off, then resume. */
    TRANSIENT,
    /** The caller lacks permission. */
    ACCESS_DENIED,
    /** The log group does not exist. */
    NOT_FOUND,
    /**
     * A stream named in the call does not exist (yet): CloudWatch refuses the whole call, without
     * saying which name.
     */
    STREAM_NOT_FOUND,
    /** Anything else AWS refused. */
    REJECTED
  }

  private final Kind kind;

  public LogsException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Throttled or transient. */
  public boolean retryable() {
    return kind == Kind.THROTTLED || kind == Kind.TRANSIENT;
  }
}
