package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;

/**
 * Owns every executor, client and server of a running agent. Placeholder until the agent loop
 * lands.
 */
public final class Agent {
  private Agent() {}

  /**
   * Runs the agent until it is stopped (signal, {@code --max-polls}) and returns the process exit
   * code.
   */
  public static int run(AgentConfig config) {
    throw new UnsupportedOperationException("the agent loop is not built yet");
  }
}
