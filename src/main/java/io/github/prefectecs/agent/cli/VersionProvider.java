package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.AgentConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code agent --version}: the project version from the build plus the Prefect core version. */
public final class VersionProvider implements IVersionProvider {
  static final String RESOURCE = "/agent-version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {line()};
  }

  /** E.g. {@code prefect-ecs-agent 0.1.0 (Prefect core API 0.15.13)}. */
  public static String line() {
    return "prefect-ecs-agent "
        + projectVersion()
        + " (Prefect core API "
        + AgentConfig.CORE_VERSION
        + ")";
  }

  /** The Maven project version, or {@code unknown} outside a build. */
  public static String projectVersion() {
    try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
