package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.config.AgentConfig;

/** Runs an agent with a validated configuration and returns the process exit code. */
@FunctionalInterface
public interface AgentStarter {
  int start(AgentConfig config);
}
