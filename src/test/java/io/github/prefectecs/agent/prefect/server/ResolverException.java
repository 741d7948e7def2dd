package io.github.prefectecs.agent.prefect.server;

/** A resolver failure whose message is the server's exact error text. */
final class ResolverException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ResolverException(String message) {
    super(message);
  }
}
