package io.github.prefectecs.agent.logs;

import java.util.Optional;

/**
 * Finds where a task definition's flow container logs. Implementations are thread-safe and cache
 * per definition ARN (revisions are immutable).
 */
public interface StreamLocator {

  /**
   * The awslogs source of the flow container of {@code taskDefinitionArn}; empty when it does not
   * log to CloudWatch with a stream prefix (nothing the agent can read).
   *
   * @throws LogsException retryable when the definition could not be read now
   */
  Optional<StreamSource> locate(String taskDefinitionArn);
}
