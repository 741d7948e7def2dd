package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Casts a configuration string the way Prefect 0.15 does: {@code true}/{@code false} in any case
 * become booleans; a Python literal (int, float, quoted string, list, tuple, dict, {@code None})
 * becomes that value; anything else stays the string itself.
 *
 * <p>Inside lists and maps the JSON spellings {@code true}, {@code false} and {@code null} are
 * accepted too, so JSON written for other tools works. Stateless and thread-safe.
 */
public final class LiteralCaster {
  private final String text;
  private int pos;

  private LiteralCaster(String text) {
    this.text = text;
  }

  /** The cast value: Boolean, Long, Double, String, List, Map or null. */
  public static Object cast(String value) {
    String upper = value.toUpperCase(Locale.ROOT);
    if (upper.equals("TRUE")) {
      return Boolean.TRUE;
    }
    if (upper.equals("FALSE")) {
      return Boolean.FALSE;
    }
    LiteralCaster parser = new LiteralCaster(value.strip());
    try {
      Object parsed = parser.parseValue(true);
      parser.skipSpaces();
      return parser.pos == parser.text.length() ? parsed : value;
    } catch (NotALiteral e) {
      return value;
    }
  }

  private Object parseValue(boolean topLevel) {
    skipSpaces();
    if (pos >= text.length()) {
      throw new NotALiteral();
    }
    char c = text.charAt(pos);
    if (c == '[') {
      return parseList(']');
    }
    if (c == '(') {
      return parseList(')');
    }
    if (c == '{') {
      return parseMap();
    }
    if (c == '"' || c == '\'') {
      return parseString();
    }
    return parseWord(topLevel);
  }

  private List<Object> parseList(char close) {
    pos++;
    List<Object> items = new ArrayList<>();
    while (true) {
      skipSpaces();
      if (peek(close)) {
        pos++;
        return items;
      }
      items.add(parseValue(false));
      skipSpaces();
      if (peek(',')) {
        pos++;
      } else if (!peek(close)) {
        throw new NotALiteral();
      }
    }
  }

  private Map<Object, Object> parseMap() {
    pos++;
    Map<Object, Object> map = new LinkedHashMap<>();
    while (true) {
      skipSpaces();
      if (peek('}')) {
        pos++;
        return map;
      }
      Object key = parseValue(false);
      skipSpaces();
      if (!peek(':')) {
        throw new NotALiteral();
      }
      pos++;
      map.put(key, parseValue(false));
      skipSpaces();
      if (peek(',')) {
        pos++;
      } else if (!peek('}')) {
        throw new NotALiteral();
      }
    }
  }

  private String parseString() {
    char quote = text.charAt(pos++);
    StringBuilder out = new StringBuilder();
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == quote) {
        return out.toString();
      }
      if (c == '\\' && pos < text.length()) {
        out.append(unescape(text.charAt(pos++)));
      } else {
        out.append(c);
      }
    }
    throw new NotALiteral();
  }

  private static char unescape(char c) {
    return switch (c) {
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case '0' -> '\0';
      default -> c;
    };
  }

  private Object parseWord(boolean topLevel) {
    int start = pos;
    while (pos < text.length() && ",:]})".indexOf(text.charAt(pos)) < 0) {
      pos++;
    }
    String word = text.substring(start, pos).strip();
    if (word.equals("None") || (!topLevel && word.equals("null"))) {
      return null;
    }
    if (word.equals("True") || (!topLevel && word.equals("true"))) {
      return Boolean.TRUE;
    }
    if (word.equals("False") || (!topLevel && word.equals("false"))) {
      return Boolean.FALSE;
    }
    return parseNumber(word);
  }

  private static Object parseNumber(String word) {
    String digits = word.replace("_", "");
    if (word.matches("[+-]?(0|[1-9][0-9_]*)")) {
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw new NotALiteral(); // beyond a long: keep the text
      }
    }
    if (word.matches(
        "[+-]?(([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")) {
      return Double.parseDouble(digits);
    }
    throw new NotALiteral();
  }

  private boolean peek(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  /** Control flow only: the text is not a literal and stays a string. */
  private static final class NotALiteral extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotALiteral() {
      super(null, null, false, false);
    }
  }
}
