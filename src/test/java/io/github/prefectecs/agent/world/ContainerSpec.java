package io.github.prefectecs.agent.world;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One container of a task as ECS would run it: its argv (entry point and command, the override's
 * command replacing the definition's), its environment before secrets, its secrets, stop timeout
 * and awslogs target.
 *
 * @param argv empty when neither the definition nor the overrides give a command: the image's own
 *     command cannot run here, so the container lives without a process until the task stops
 * @param environment image layer, then what ECS adds, then the definition's, then the overrides'
 * @param secrets {@code name} to {@code valueFrom}, resolved when the container starts
 * @param logs null when the container does not log with awslogs
 */
record ContainerSpec(
    String name,
    String image,
    boolean essential,
    List<String> argv,
    Map<String, String> environment,
    Map<String, String> secrets,
    Duration stopTimeout,
    AwsLogs logs) {

  ContainerSpec {
    Objects.requireNonNull(name, "name");
    argv = List.copyOf(argv);
    environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
    secrets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(secrets));
    Objects.requireNonNull(stopTimeout, "stopTimeout");
  }

  /** Whether a local process runs this container. */
  boolean runsProcess() {
    return !argv.isEmpty();
  }

  /**
   * The awslogs driver's options.
   *
   * @param stream {@code <prefix>/<container name>/<task id>}, or a container id without a prefix
   * @param createGroup {@code awslogs-create-group: true}
   */
  record AwsLogs(String group, String region, String stream, boolean createGroup) {
    AwsLogs {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(stream, "stream");
    }
  }
}
