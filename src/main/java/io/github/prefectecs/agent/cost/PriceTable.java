package io.github.prefectecs.agent.cost;

import io.github.prefectecs.agent.config.CostSettings;
import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.config.CostSettings.Dimension;
import io.github.prefectecs.agent.config.CostSettings.PriceOverride;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Fargate prices by region, CPU architecture and capacity provider: the bundled table ({@value
 * #RESOURCE}, with its sources and the month of each figure) with the configured overrides over it.
 * Overrides apply in every region, since one agent's tasks all run in its own region. Immutable and
 * thread-safe.
 */
public final class PriceTable {
  static final String RESOURCE = "/cost/fargate-prices.toml";

  private final Map<Key, Rate> rates;
  private final CostSettings overrides;

  private PriceTable(Map<Key, Rate> rates, CostSettings overrides) {
    this.rates = Map.copyOf(rates);
    this.overrides = overrides;
  }

  private record Key(String region, Architecture architecture, String provider) {}

  /** The bundled table with {@code overrides} over it. */
  public static PriceTable of(CostSettings overrides) {
    return new PriceTable(bundled(), overrides);
  }

  /**
   * The price of {@code provider} ({@code FARGATE}, {@code FARGATE_SPOT}) for {@code architecture}
   * in {@code region}: the bundled figure with any configured dimension over it; empty when neither
   * gives both dimensions.
   */
  public Optional<Rate> rate(String region, Architecture architecture, String provider) {
    String p = provider.toUpperCase(Locale.ROOT);
    Rate bundled = rates.get(new Key(region, architecture, p));
    Double vcpu = bundled == null ? null : bundled.vcpuHour();
    Double gb = bundled == null ? null : bundled.gbHour();
    boolean configured = false;
    for (PriceOverride o : overrides.prices()) {
      if (o.architecture() == architecture && o.provider().equals(p)) {
        configured = true;
        if (o.dimension() == Dimension.VCPU_HOUR) {
          vcpu = o.usdPerHour();
        } else {
          gb = o.usdPerHour();
        }
      }
    }
    if (vcpu == null || gb == null) {
      return Optional.empty();
    }
    String asOf = configured ? "configured" : bundled.asOf();
    return Optional.of(new Rate(vcpu, gb, asOf));
  }

  private static Map<Key, Rate> bundled() {
    TomlParseResult toml;
    try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the packaged " + RESOURCE + " is missing");
      }
      toml = Toml.parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the packaged " + RESOURCE, e);
    }
    if (toml.hasErrors()) {
      throw new IllegalStateException("the packaged " + RESOURCE + " is invalid: " + toml.errors());
    }
    Map<Key, Rate> rates = new HashMap<>();
    for (String region : toml.keySet()) {
      TomlTable byArchitecture = toml.getTable(region);
      for (Architecture architecture : Architecture.values()) {
        TomlTable byProvider =
            byArchitecture == null ? null : byArchitecture.getTable(architecture.key());
        if (byProvider == null) {
          continue;
        }
        for (String provider : byProvider.keySet()) {
          TomlTable price = byProvider.getTable(provider);
          rates.put(
              new Key(region, architecture, provider.toUpperCase(Locale.ROOT)),
              new Rate(
                  price.getDouble("vcpu_hour"),
                  price.getDouble("gb_hour"),
                  price.getString("as_of")));
        }
      }
    }
    return rates;
  }
}
