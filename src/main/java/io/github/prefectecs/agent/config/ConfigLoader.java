package io.github.prefectecs.agent.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the configuration from, lowest precedence first: the packaged defaults, the user file
 * ({@code PREFECT__USER_CONFIG_PATH} or {@code ~/.prefect/config.toml}), the backend file ({@code
 * PREFECT__BACKEND_CONFIG_PATH} or {@code ~/.prefect/backend.toml}), {@code PREFECT__*} environment
 * variables, then {@code ${...}} interpolation, then command-line flags.
 *
 * <p>The environment and home directory are injected, so tests never touch the real ones.
 * Thread-safe (immutable). Every method reports bad input as one {@link ConfigException} listing
 * all problems found.
 */
public final class ConfigLoader {
  static final String DEFAULTS_RESOURCE = "/prefect-defaults.toml";
  private static final String PREFIX = "PREFECT__";
  private static final String SECRETS_PREFIX = "CONTEXT__SECRETS__";

  /** Values that are identifiers or secrets, never cast: an all-digit API key stays a string. */
  private static final Set<List<String>> STRING_KEYS =
      Set.of(
          List.of("cloud", "api_key"),
          List.of("cloud", "tenant_id"),
          List.of("cloud", "agent", "auth_token"));

  private final Map<String, String> env;
  private final Path home;
  private final EnvExpander expander;

  public ConfigLoader(Map<String, String> env, Path home) {
    this.env = new TreeMap<>(env);
    this.home = Objects.requireNonNull(home, "home");
    this.expander = new EnvExpander(env, home);
  }

  /** The validated agent configuration. */
  public AgentConfig load(List<FlagOverride> flags) {
    return AgentConfigBinder.bind(resolve(flags));
  }

  /** Validates resolved configuration; throws {@link ConfigException} with every problem. */
  public static AgentConfig validate(ResolvedConfig resolved) {
    return AgentConfigBinder.bind(resolved);
  }

  /** Every configuration leaf with its origin, before validation into {@link AgentConfig}. */
  public ResolvedConfig resolve(List<FlagOverride> flags) {
    LeafMap leaves = new LeafMap();
    List<String> problems = new ArrayList<>();
    mergeToml(leaves, readDefaults(), Origin.Level.DEFAULT, null, problems);
    mergeFile(leaves, "PREFECT__USER_CONFIG_PATH", ".prefect/config.toml", true, problems);
    mergeFile(leaves, "PREFECT__BACKEND_CONFIG_PATH", ".prefect/backend.toml", false, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    overlayEnvironment(leaves);
    Interpolator.resolve(leaves);
    for (FlagOverride flag : flags) {
      leaves.put(new ConfigEntry(flag.path(), flag.value(), Origin.flag(flag.flag())));
    }
    return new ResolvedConfig(leaves.asMap());
  }

  private static String readDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("packaged resource " + DEFAULTS_RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read packaged " + DEFAULTS_RESOURCE, e);
    }
  }

  private void mergeFile(
      LeafMap leaves,
      String envName,
      String defaultPath,
      boolean explicitMustExist,
      List<String> problems) {
    String explicit = env.get(envName);
    boolean isExplicit = explicit != null && !explicit.isBlank();
    Path path = isExplicit ? Path.of(expander.expand(explicit)) : home.resolve(defaultPath);
    Origin.Level level =
        envName.contains("USER") ? Origin.Level.USER_FILE : Origin.Level.BACKEND_FILE;
    if (!Files.exists(path)) {
      if (isExplicit && explicitMustExist) {
        problems.add(
            envName
                + " names "
                + path
                + ", which does not exist; create the file or unset "
                + envName);
      }
      return;
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      problems.add(path + ": not a readable file; fix its permissions or remove it");
      return;
    }
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      problems.add(path + ": cannot be read (" + e.getMessage() + "); fix the file or remove it");
      return;
    }
    mergeToml(leaves, text, level, path, problems);
  }

  private void mergeToml(
      LeafMap leaves, String text, Origin.Level level, Path file, List<String> problems) {
    String name = file == null ? "packaged defaults" : file.toString();
    TomlReader.Result result = TomlReader.read(text, name);
    problems.addAll(result.problems());
    for (TomlReader.RawLeaf leaf : result.leaves()) {
      Origin origin = file == null ? Origin.defaults() : Origin.file(level, file, leaf.line());
      leaves.put(new ConfigEntry(leaf.path(), normalise(leaf.path(), leaf.value()), origin));
    }
  }

  private void overlayEnvironment(LeafMap leaves) {
    for (Map.Entry<String, String> e : env.entrySet()) {
      List<String> path = envPath(e.getKey());
      if (path != null) {
        leaves.put(new ConfigEntry(path, normalise(path, e.getValue()), Origin.env(e.getKey())));
      }
    }
  }

  /** {@code PREFECT__CLOUD__AGENT__LABELS} to {@code [cloud, agent, labels]}; null if not ours. */
  static List<String> envPath(String name) {
    if (!name.startsWith(PREFIX) || name.length() == PREFIX.length()) {
      return null;
    }
    String rest = name.substring(PREFIX.length());
    List<String> path = new ArrayList<>();
    if (rest.toUpperCase(Locale.ROOT).startsWith(SECRETS_PREFIX)
        && rest.length() > SECRETS_PREFIX.length()) {
      path.add("context");
      path.add("secrets");
      path.add(rest.substring(SECRETS_PREFIX.length()));
    } else {
      for (String part : rest.split("__", -1)) {
        path.add(part.toLowerCase(Locale.ROOT));
      }
    }
    return path.stream().anyMatch(String::isEmpty) ? null : path;
  }

  /** Expansion and casting of a raw file or environment value. */
  private Object normalise(List<String> path, Object raw) {
    if (STRING_KEYS.contains(path)) {
      if (raw instanceof List<?> || raw instanceof Map<?, ?>) {
        return raw; // the binder reports the wrong type
      }
      return raw instanceof String s ? expander.expand(s) : String.valueOf(raw);
    }
    return raw instanceof String s ? LiteralCaster.cast(expander.expand(s)) : raw;
  }
}
