package io.github.prefectecs.agent.prefect;

/**
 * Any failure talking to the Prefect API. {@link #kind()} says what went wrong and {@link
 * #retryable()} whether the same request may succeed later. Messages never contain secrets.
 */
public final class PrefectApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** The API rejected the credentials (UNAUTHENTICATED, malformed Authorization header). */
    UNAUTHENTICATED(false),
    /** {@code State update failed}: another agent already submitted the run. */
    ALREADY_SUBMITTED(false),
    /** Prefect Cloud's VERSION_LOCKING_ERROR. */
    VERSION_LOCK(false),
    /** Any other GraphQL error in the response. */
    GRAPHQL(false),
    /** An HTTP status the transport does not retry, or one that stayed bad after retries. */
    HTTP_STATUS(true),
    /** Connection refused, reset, timed out. */
    TRANSPORT(true),
    /** A body that is not the JSON expected. */
    MALFORMED(true);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }
  }

  private final Kind kind;
  private final int httpStatus;

  public PrefectApiException(Kind kind, String message) {
    this(kind, message, 0, null);
  }

  public PrefectApiException(Kind kind, String message, int httpStatus, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.httpStatus = httpStatus;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status when {@link Kind#HTTP_STATUS}, else 0. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Whether the same request may succeed later. 4xx other than 408/429 are not retryable. */
  public boolean retryable() {
    if (kind == Kind.HTTP_STATUS) {
      return httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
    }
    return kind.retryable;
  }
}
