package io.github.prefectecs.agent.support;

/** What HTTP status codes mean for a retry. Stateless. */
public final class HttpStatuses {
  private HttpStatuses() {}

  /** A status worth trying again: a server error, 429 Too Many Requests or 408 Request Timeout. */
  public static boolean isTransient(int status) {
    return status >= 500 || status == 429 || status == 408;
  }
}
