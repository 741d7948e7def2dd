package io.github.prefectecs.agent.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A fake home directory and environment for loading configuration in tests. */
final class ConfigFixture {
  final Path home;
  final Map<String, String> env = new HashMap<>();

  ConfigFixture(Path home) {
    this.home = home;
  }

  ConfigFixture userFile(String toml) {
    return write(home.resolve(".prefect/config.toml"), toml);
  }

  ConfigFixture backendFile(String toml) {
    return write(home.resolve(".prefect/backend.toml"), toml);
  }

  ConfigFixture write(Path path, String text) {
    try {
      Files.createDirectories(path.getParent());
      Files.writeString(path, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  ConfigFixture env(String name, String value) {
    env.put(name, value);
    return this;
  }

  ResolvedConfig resolve(FlagOverride... flags) {
    return new ConfigLoader(env, home).resolve(List.of(flags));
  }

  AgentConfig load(FlagOverride... flags) {
    return new ConfigLoader(env, home).load(List.of(flags));
  }

  Object value(String key, FlagOverride... flags) {
    ConfigEntry e = resolve(flags).entry(key);
    return e == null ? null : e.value();
  }
}
