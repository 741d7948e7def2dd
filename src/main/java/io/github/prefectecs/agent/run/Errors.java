package io.github.prefectecs.agent.run;

import io.github.prefectecs.agent.support.Messages;
import java.util.concurrent.CompletionException;

/** Turning failures into one-line, secret-free text for logs. */
final class Errors {
  private Errors() {}

  /** The cause a {@code CompletableFuture} wrapped, else {@code t}. */
  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** The first line of the (unwrapped) message, or the type name when there is none. */
  static String oneLine(Throwable t) {
    return Messages.firstLine(unwrap(t));
  }
}
