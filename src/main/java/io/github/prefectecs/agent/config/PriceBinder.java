package io.github.prefectecs.agent.config;

import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.config.CostSettings.Dimension;
import io.github.prefectecs.agent.config.CostSettings.PriceOverride;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates {@code cloud.agent.ecs.prices} into {@link CostSettings}: each leaf is {@code
 * prices.<x86_64|arm64>.<fargate|fargate_spot>.<vcpu_hour|gb_hour> = <USD>}, from a TOML table, or
 * one environment variable holding the whole table as JSON. Stateless.
 */
final class PriceBinder {
  private static final List<String> PATH = List.of("cloud", "agent", "ecs", "prices");
  private static final String EXAMPLE = "e.g. prices.x86_64.fargate_spot.vcpu_hour = 0.0121";

  private PriceBinder() {}

  static CostSettings bind(ValueReader r) {
    List<PriceOverride> prices = new ArrayList<>();
    ConfigEntry whole = r.config().entry(PATH);
    if (whole != null) {
      if (whole.value() instanceof Map<?, ?> map) {
        walk(r, whole, map, new ArrayList<>(), prices);
      } else if (whole.value() != null && !"".equals(whole.value())) {
        r.problem(whole, "expected a table of prices", "write it like " + EXAMPLE);
      }
    }
    for (ConfigEntry e : r.config().entriesUnder(PATH)) {
      List<String> rest = e.path().subList(PATH.size(), e.path().size());
      add(r, e, rest, e.value(), prices);
    }
    return new CostSettings(prices);
  }

  private static void walk(
      ValueReader r, ConfigEntry e, Map<?, ?> map, List<String> prefix, List<PriceOverride> out) {
    for (Map.Entry<?, ?> item : map.entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(String.valueOf(item.getKey()));
      if (item.getValue() instanceof Map<?, ?> inner && path.size() < 3) {
        walk(r, e, inner, path, out);
      } else {
        add(r, e, path, item.getValue(), out);
      }
    }
  }

  private static void add(
      ValueReader r, ConfigEntry e, List<String> path, Object value, List<PriceOverride> out) {
    // A leaf's own key already names it; inside a whole table the path says which price.
    String where = e.path().size() == PATH.size() ? "prices." + String.join(".", path) + ": " : "";
    if (path.size() != 3) {
      r.problem(e, where + "not a price", "name architecture, provider and dimension, " + EXAMPLE);
      return;
    }
    Architecture arch = parse(Architecture.class, path.get(0));
    String provider = path.get(1).toUpperCase(Locale.ROOT);
    Dimension dimension = parse(Dimension.class, path.get(2));
    if (arch == null) {
      r.problem(e, where + "unknown architecture " + path.get(0), "use x86_64 or arm64");
    } else if (!provider.equals("FARGATE") && !provider.equals("FARGATE_SPOT")) {
      r.problem(
          e, where + "unknown capacity provider " + path.get(1), "use fargate or fargate_spot");
    } else if (dimension == null) {
      r.problem(e, where + "unknown price " + path.get(2), "use vcpu_hour or gb_hour");
    } else if (!(value instanceof Number n) || !(n.doubleValue() > 0 && n.doubleValue() < 100)) {
      r.problem(
          e,
          where + "not a price in US dollars",
          "give US dollars per vCPU-hour or GB-hour as a number above 0, " + EXAMPLE);
    } else {
      out.add(new PriceOverride(arch, provider, dimension, n.doubleValue()));
    }
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String key) {
    for (E value : type.getEnumConstants()) {
      if (value.name().equalsIgnoreCase(key)) {
        return value;
      }
    }
    return null;
  }
}
