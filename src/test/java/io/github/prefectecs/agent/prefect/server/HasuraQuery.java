package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Hasura v1 table arguments over in-memory rows: {@code where} (comparison operators, {@code
 * _and}/{@code _or}/{@code _not}, object relationships, array relationships as EXISTS, a null
 * operand counts as true), {@code order_by} (Postgres null ordering), {@code offset}, {@code
 * limit}.
 */
final class HasuraQuery {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A relationship of a row: the related table and its row (map) or rows (list). */
  record Relation(String table, Object value) {}

  /** Resolves relationship {@code field} of {@code row} in {@code table}; null for a column. */
  @FunctionalInterface
  interface Relations {
    Relation resolve(String table, Map<String, Object> row, String field);
  }

  private HasuraQuery() {}

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> apply(
      String table, List<Map<String, Object>> rows, Map<String, Object> args, Relations rel) {
    Map<String, Object> where = (Map<String, Object>) args.get("where");
    List<Map<String, Object>> result = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      if (where == null || matches(table, row, where, rel)) {
        result.add(row);
      }
    }
    Object orderBy = args.get("order_by");
    if (orderBy != null) {
      List<Map<String, Object>> orders =
          orderBy instanceof List<?> list
              ? (List<Map<String, Object>>) list
              : List.of((Map<String, Object>) orderBy);
      Comparator<Map<String, Object>> comparator = null;
      for (Map<String, Object> order : orders) {
        for (Map.Entry<String, Object> e : order.entrySet()) {
          Comparator<Map<String, Object>> next = column(e.getKey(), String.valueOf(e.getValue()));
          comparator = comparator == null ? next : comparator.thenComparing(next);
        }
      }
      if (comparator != null) {
        result.sort(comparator);
      }
    }
    Object distinctOn = args.get("distinct_on");
    if (distinctOn != null) {
      result = distinct(result, columns(distinctOn), orderBy);
    }
    int offset = args.get("offset") instanceof Integer o ? Math.max(o, 0) : 0;
    int limit = args.get("limit") instanceof Integer l ? Math.max(l, 0) : Integer.MAX_VALUE;
    if (offset >= result.size()) {
      return List.of();
    }
    return List.copyOf(
        result.subList(offset, (int) Math.min(result.size(), (long) offset + limit)));
  }

  @SuppressWarnings("unchecked")
  private static List<String> columns(Object distinctOn) {
    List<String> names = new ArrayList<>();
    if (distinctOn instanceof List<?> list) {
      list.forEach(c -> names.add(String.valueOf(c)));
    } else {
      names.add(String.valueOf(distinctOn));
    }
    return names;
  }

  /**
   * Postgres {@code DISTINCT ON}, as Hasura v1 sends it: the first row (in {@code order_by} order)
   * of each value of the columns, which must be the first {@code order_by} columns.
   */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> distinct(
      List<Map<String, Object>> sorted, List<String> on, Object orderBy) {
    List<String> leading = new ArrayList<>();
    if (orderBy != null) {
      List<Map<String, Object>> orders =
          orderBy instanceof List<?> list
              ? (List<Map<String, Object>>) list
              : List.of((Map<String, Object>) orderBy);
      orders.forEach(o -> leading.addAll(o.keySet()));
    }
    if (leading.size() < on.size() || !leading.subList(0, on.size()).containsAll(on)) {
      throw new ResolverException(
          "\"distinct_on\" columns must match initial \"order_by\" columns");
    }
    List<Map<String, Object>> kept = new ArrayList<>();
    java.util.Set<List<Object>> seen = new java.util.HashSet<>();
    for (Map<String, Object> row : sorted) {
      List<Object> key = new ArrayList<>();
      on.forEach(c -> key.add(row.get(c)));
      if (seen.add(key)) {
        kept.add(row);
      }
    }
    return kept;
  }

  private static Comparator<Map<String, Object>> column(String name, String direction) {
    boolean desc = direction.startsWith("desc");
    boolean nullsFirst =
        direction.endsWith("nulls_first") || (desc && !direction.endsWith("nulls_last"));
    return (a, b) -> {
      Object x = a.get(name);
      Object y = b.get(name);
      if (x == null || y == null) {
        if (x == y) {
          return 0;
        }
        return (x == null) == nullsFirst ? -1 : 1;
      }
      int c = compare(x, y);
      return desc ? -c : c;
    };
  }

  @SuppressWarnings("unchecked")
  static boolean matches(
      String table, Map<String, Object> row, Map<String, Object> where, Relations rel) {
    for (Map.Entry<String, Object> e : where.entrySet()) {
      String key = e.getKey();
      Object operand = e.getValue();
      if (operand == null) {
        continue;
      }
      boolean ok =
          switch (key) {
            case "_and" ->
                ((List<Object>) operand)
                    .stream()
                        .allMatch(
                            x -> x == null || matches(table, row, (Map<String, Object>) x, rel));
            case "_or" ->
                ((List<Object>) operand)
                    .stream()
                        .anyMatch(
                            x -> x == null || matches(table, row, (Map<String, Object>) x, rel));
            case "_not" -> !matches(table, row, (Map<String, Object>) operand, rel);
            default -> field(table, row, key, (Map<String, Object>) operand, rel);
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static boolean field(
      String table, Map<String, Object> row, String key, Map<String, Object> exp, Relations rel) {
    Relation relation = rel.resolve(table, row, key);
    if (relation == null) {
      return compareColumn(row.get(key), exp);
    }
    if (relation.value() instanceof List<?> list) {
      return list.stream()
          .anyMatch(r -> matches(relation.table(), (Map<String, Object>) r, exp, rel));
    }
    return relation.value() != null
        && matches(relation.table(), (Map<String, Object>) relation.value(), exp, rel);
  }

  private static boolean compareColumn(Object value, Map<String, Object> exp) {
    for (Map.Entry<String, Object> e : exp.entrySet()) {
      Object operand = e.getValue();
      if (operand == null) {
        continue;
      }
      boolean ok =
          switch (e.getKey()) {
            case "_eq" -> value != null && compare(value, operand) == 0;
            case "_neq" -> value != null && compare(value, operand) != 0;
            case "_gt" -> value != null && compare(value, operand) > 0;
            case "_gte" -> value != null && compare(value, operand) >= 0;
            case "_lt" -> value != null && compare(value, operand) < 0;
            case "_lte" -> value != null && compare(value, operand) <= 0;
            case "_in" ->
                value != null
                    && ((List<?>) operand)
                        .stream().anyMatch(o -> o != null && compare(value, o) == 0);
            case "_nin" ->
                value != null
                    && ((List<?>) operand)
                        .stream().noneMatch(o -> o != null && compare(value, o) == 0);
            case "_is_null" -> (value == null) == Boolean.TRUE.equals(operand);
            case "_like" -> value != null && like(value.toString(), operand.toString(), false);
            case "_ilike" -> value != null && like(value.toString(), operand.toString(), true);
            case "_nlike" -> value != null && !like(value.toString(), operand.toString(), false);
            case "_contains" -> value != null && contains(json(value), json(operand));
            case "_contained_in" -> value != null && contains(json(operand), json(value));
            case "_has_key" -> value != null && json(value).has(operand.toString());
            default -> throw new IllegalArgumentException("unsupported operator " + e.getKey());
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compare(Object value, Object operand) {
    if (value instanceof Instant instant) {
      return instant.compareTo(ServerScalars.time(operand));
    }
    if (value instanceof Number n) {
      return new BigDecimal(n.toString()).compareTo(new BigDecimal(operand.toString()));
    }
    if (value instanceof JsonNode node) {
      return node.equals(json(operand)) ? 0 : node.toString().compareTo(json(operand).toString());
    }
    if (value instanceof Comparable c && value.getClass().isInstance(operand)) {
      return c.compareTo(operand);
    }
    return value.toString().compareTo(Objects.toString(operand));
  }

  private static JsonNode json(Object value) {
    return value instanceof JsonNode node ? node : MAPPER.valueToTree(value);
  }

  private static boolean contains(JsonNode container, JsonNode part) {
    if (container.isArray() && part.isArray()) {
      for (JsonNode item : part) {
        boolean found = false;
        for (JsonNode candidate : container) {
          found |= candidate.equals(item);
        }
        if (!found) {
          return false;
        }
      }
      return true;
    }
    if (container.isObject() && part.isObject()) {
      var names = part.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (!container.has(name) || !contains(container.get(name), part.get(name))) {
          return false;
        }
      }
      return true;
    }
    return container.equals(part);
  }

  private static boolean like(String value, String pattern, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '%' ? ".*" : c == '_' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(
            regex.toString(),
            ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL : Pattern.DOTALL)
        .matcher(value)
        .matches();
  }
}
