package io.github.prefectecs.agent.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses a capacity provider strategy written as {@code NAME[:weight=N][:base=N],...} (e.g. {@code
 * FARGATE_SPOT:weight=3,FARGATE:weight=2}), as a TOML array of tables {@code {provider=...,
 * weight=..., base=...}}, or as {@code default} (the cluster's default strategy). An omitted weight
 * is 1, an omitted base 0. Stateless.
 */
public final class CapacityProviderStrategyParser {
  /** ECS accepts at most this many providers in one strategy. */
  static final int MAX_ITEMS = 20;

  private CapacityProviderStrategyParser() {}

  /**
   * A parsed strategy: {@code clusterDefault} or a non-empty item list.
   *
   * @param items the providers in the order given
   * @param clusterDefault true for {@code default}
   */
  public record Parsed(List<CapacityProviderItem> items, boolean clusterDefault) {
    public Parsed {
      items = List.copyOf(items);
    }
  }

  /** Parses {@code value}; every problem found is added to {@code issues} (null then). */
  public static Parsed parse(Object value, List<String> issues) {
    int before = issues.size();
    List<CapacityProviderItem> items = new ArrayList<>();
    if (value instanceof String s) {
      if (s.strip().equalsIgnoreCase("default")) {
        return new Parsed(List.of(), true);
      }
      for (String part : s.split(",", -1)) {
        CapacityProviderItem item = parseItem(part.strip(), issues);
        if (item != null) {
          items.add(item);
        }
      }
    } else if (value instanceof List<?> list && !list.isEmpty()) {
      for (Object element : list) {
        CapacityProviderItem item = fromTable(element, issues);
        if (item != null) {
          items.add(item);
        }
      }
    } else {
      issues.add(
          "expected a string like FARGATE_SPOT:weight=3,FARGATE:weight=2, an array of tables"
              + " {provider=..., weight=..., base=...}, or \"default\"");
      return null;
    }
    checkWhole(items, issues);
    return issues.size() > before ? null : new Parsed(items, false);
  }

  private static CapacityProviderItem parseItem(String text, List<String> issues) {
    String[] parts = text.split(":", -1);
    String name = parts[0].strip();
    if (name.isEmpty()) {
      issues.add("an item has no provider name; write NAME[:weight=N][:base=N]");
      return null;
    }
    Long weight = null;
    Long base = null;
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      String attr = kv[0].strip().toLowerCase(Locale.ROOT);
      Long number = kv.length == 2 ? wholeNumber(kv[1].strip()) : null;
      if (number == null || !(attr.equals("weight") || attr.equals("base"))) {
        issues.add(
            "provider "
                + name
                + ": cannot read \""
                + parts[i]
                + "\"; write weight=N or base=N with a whole number");
        return null;
      }
      if (attr.equals("weight")) {
        weight = number;
      } else {
        base = number;
      }
    }
    return item(name, weight, base, issues);
  }

  private static CapacityProviderItem fromTable(Object element, List<String> issues) {
    if (!(element instanceof Map<?, ?> map)) {
      issues.add("each array item must be a table like {provider=\"FARGATE\", weight=1}");
      return null;
    }
    Object provider = map.get("provider");
    if (!(provider instanceof String name) || name.isBlank()) {
      issues.add("an array item has no provider name; add provider=\"FARGATE_SPOT\" or similar");
      return null;
    }
    for (Object key : map.keySet()) {
      if (!Set.of("provider", "weight", "base").contains(String.valueOf(key))) {
        issues.add("provider " + name + ": unknown field " + key + "; use provider, weight, base");
        return null;
      }
    }
    Object weight = map.get("weight");
    Object base = map.get("base");
    if ((weight != null && !(weight instanceof Long))
        || (base != null && !(base instanceof Long))) {
      issues.add("provider " + name + ": weight and base must be whole numbers");
      return null;
    }
    return item(name.strip(), (Long) weight, (Long) base, issues);
  }

  private static CapacityProviderItem item(
      String name, Long weight, Long base, List<String> issues) {
    long w = weight == null ? 1 : weight;
    long b = base == null ? 0 : base;
    if (w < 0 || w > 1000) {
      issues.add("provider " + name + ": weight " + w + " is outside 0..1000");
      return null;
    }
    if (b < 0 || b > 100_000) {
      issues.add("provider " + name + ": base " + b + " is outside 0..100000");
      return null;
    }
    return new CapacityProviderItem(name, (int) w, (int) b);
  }

  private static void checkWhole(List<CapacityProviderItem> items, List<String> issues) {
    if (items.size() > MAX_ITEMS) {
      issues.add("at most " + MAX_ITEMS + " capacity providers are allowed, got " + items.size());
    }
    if (items.stream().filter(i -> i.base() > 0).count() > 1) {
      issues.add("only one capacity provider may have a base; remove base from the others");
    }
    if (!items.isEmpty() && items.stream().noneMatch(i -> i.weight() > 0)) {
      issues.add("at least one capacity provider needs a weight above 0");
    }
    Set<String> seen = new HashSet<>();
    for (CapacityProviderItem i : items) {
      if (!seen.add(i.provider())) {
        issues.add("capacity provider " + i.provider() + " is listed twice; list it once");
      }
    }
  }

  private static Long wholeNumber(String text) {
    try {
      return text.matches("[+-]?[0-9]{1,9}") ? Long.parseLong(text) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
