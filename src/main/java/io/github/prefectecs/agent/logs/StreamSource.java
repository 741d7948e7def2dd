package io.github.prefectecs.agent.logs;

import java.util.Objects;

/**
 * Where the awslogs driver writes a task definition's flow container output.
 *
 * @param group the {@code awslogs-group}
 * @param prefix the {@code awslogs-stream-prefix}
 * @param container the flow container's name
 */
public record StreamSource(String group, String prefix, String container) {
  public StreamSource {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(container, "container");
  }

  /** {@code prefix/container/task-id}, the task id being the last segment of the ARN. */
  public String streamOf(String taskArn) {
    return prefix + "/" + container + "/" + taskArn.substring(taskArn.lastIndexOf('/') + 1);
  }
}
