package io.github.prefectecs.agent.config;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the health server address: {@code http://host:port}, or a bare {@code host:port} (which
 * the reference agent rejected). The port is required; an empty host means all interfaces.
 * Stateless.
 */
public final class AgentAddressParser {
  private static final Pattern ADDRESS =
      Pattern.compile("^(?:(https?)://)?(\\[[0-9a-fA-F:.]+]|[^:/\\[\\]\\s]*)(?::([0-9]*))?/?$");

  private AgentAddressParser() {}

  /** The address as {@code http://host:port}; throws IllegalArgumentException with the reason. */
  public static URI parse(String text) {
    Matcher m = ADDRESS.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not an address; write http://HOST:PORT or HOST:PORT, e.g. http://0.0.0.0:8080");
    }
    String port = m.group(3);
    if (port == null || port.isEmpty()) {
      throw new IllegalArgumentException(
          "the port is missing; write HOST:PORT, e.g. http://0.0.0.0:8080");
    }
    int number = port.length() > 5 ? 65536 : Integer.parseInt(port);
    if (number > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }
    String host = m.group(2).isEmpty() ? "0.0.0.0" : m.group(2);
    return URI.create("http://" + host + ":" + number);
  }
}
