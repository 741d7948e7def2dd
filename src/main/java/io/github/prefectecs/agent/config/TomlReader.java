package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads TOML text into configuration leaves (tables flattened, arrays kept as lists of plain Java
 * values) with the line each leaf came from. Strings are returned raw; expansion and casting are
 * the loader's job. Stateless.
 */
final class TomlReader {
  private TomlReader() {}

  /** A leaf as written in the file, before expansion and casting. */
  record RawLeaf(List<String> path, Object value, int line) {}

  /** The file's leaves, or problems naming {@code sourceName}, line and column. */
  record Result(List<RawLeaf> leaves, List<String> problems) {}

  static Result read(String text, String sourceName) {
    TomlParseResult parsed = Toml.parse(text);
    if (parsed.hasErrors()) {
      List<String> problems = new ArrayList<>();
      String[] lines = text.split("\r?\n", -1);
      for (TomlParseError error : parsed.errors()) {
        problems.add(describe(error, sourceName, lines));
      }
      return new Result(List.of(), problems);
    }
    List<RawLeaf> leaves = new ArrayList<>();
    collect(parsed, List.of(), leaves, parsed);
    return new Result(leaves, List.of());
  }

  private static void collect(
      TomlTable table, List<String> prefix, List<RawLeaf> out, TomlParseResult root) {
    for (Map.Entry<String, Object> e : table.entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      if (e.getValue() instanceof TomlTable sub) {
        collect(sub, path, out, root);
      } else {
        var position = root.inputPositionOf(path);
        out.add(new RawLeaf(path, plain(e.getValue()), position == null ? 0 : position.line()));
      }
    }
  }

  /** TOML arrays and inline tables inside arrays as Java lists and maps. */
  private static Object plain(Object value) {
    if (value instanceof TomlArray array) {
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        list.add(plain(array.get(i)));
      }
      return list;
    }
    if (value instanceof TomlTable table) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : table.entrySet()) {
        map.put(e.getKey(), plain(e.getValue()));
      }
      return map;
    }
    if (value instanceof String || value instanceof Long || value instanceof Double) {
      return value;
    }
    if (value instanceof Boolean) {
      return value;
    }
    return String.valueOf(value); // dates and times: keep their text
  }

  private static String describe(TomlParseError error, String sourceName, String[] lines) {
    int line = error.position().line();
    int column = error.position().column();
    String where = sourceName + ":" + line + ":" + column;
    String lineText = line >= 1 && line <= lines.length ? lines[line - 1] : "";
    String detail = error.getMessage();
    // tomlj quotes the offending text; on a line that holds a secret that text may be the secret.
    if (lineHoldsSecret(lineText)) {
      detail = "syntax error (details hidden: the line holds a secret)";
    }
    return where + ": invalid TOML: " + detail + "; fix the file at that line";
  }

  private static boolean lineHoldsSecret(String lineText) {
    int eq = lineText.indexOf('=');
    String key = eq < 0 ? lineText : lineText.substring(0, eq);
    return SecretKeys.isSecretName(key.strip()) || lineText.toLowerCase().contains("secret");
  }
}
