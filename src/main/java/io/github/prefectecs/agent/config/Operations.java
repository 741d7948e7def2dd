package io.github.prefectecs.agent.config;

import java.net.URI;
import java.util.Objects;

/**
 * How the agent runs as a process.
 *
 * @param agentAddress {@code cloud.agent.agent_address} as a URI with host and port; null = off
 * @param agentLogLevel {@code cloud.agent.level}: DEBUG, INFO, WARNING or ERROR
 * @param jsonLogs {@code cloud.agent.log_format = "json"}: JSON lines instead of plain text
 * @param maxPolls {@code --max-polls}; null means poll forever
 * @param maxConcurrentLaunches {@code cloud.agent.max_concurrent_launches}: launch slots
 */
public record Operations(
    URI agentAddress,
    String agentLogLevel,
    boolean jsonLogs,
    Integer maxPolls,
    int maxConcurrentLaunches) {
  public Operations {
    Objects.requireNonNull(agentLogLevel, "agentLogLevel");
    if (maxConcurrentLaunches < 1) {
      throw new IllegalArgumentException(
          "max_concurrent_launches must be at least 1, was " + maxConcurrentLaunches);
    }
  }
}
