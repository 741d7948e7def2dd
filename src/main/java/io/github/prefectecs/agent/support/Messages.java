package io.github.prefectecs.agent.support;

/** Keeps messages to one line, as every error and log line of the agent must be. */
public final class Messages {
  private Messages() {}

  /** The first line of {@code message}; empty for null. */
  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  /** The first line of a throwable's message, or its type name when it has none. */
  public static String firstLine(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : firstLine(message);
  }
}
