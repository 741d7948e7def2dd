package io.github.prefectecs.agent.world;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What ECS does for a container before it starts it, and how each step fails on Fargate: resolve
 * its secrets, validate the awslogs driver's log group (creating it with {@code
 * awslogs-create-group}), find its executable. Stateless apart from the calls it makes.
 */
final class ContainerStart {
  static final String NO_LOG_GROUP =
      "ResourceInitializationError: failed to validate logger args: create stream has been"
          + " retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException:"
          + " The specified log group does not exist. : exit status 1";

  /** The outcome of the checks. */
  sealed interface Outcome {}

  /**
   * The container can start.
   *
   * @param environment its whole environment, secrets included
   * @param stream its awslogs stream (not yet created); null without awslogs
   */
  record Ready(Map<String, String> environment, AwsLogsStream stream) implements Outcome {}

  /** The task fails to start with {@code reason}. */
  record Refused(String reason) implements Outcome {}

  private ContainerStart() {}

  static Outcome check(ContainerSpec spec, TaskHost host) {
    Map<String, String> env = new LinkedHashMap<>(spec.environment());
    for (Map.Entry<String, String> secret : spec.secrets().entrySet()) {
      try {
        env.put(secret.getKey(), host.secrets().resolve(secret.getValue()));
      } catch (MotoWire.CallException e) {
        String from = secret.getValue().contains(":secretsmanager:") ? "asm" : "ssm";
        return new Refused(
            "ResourceInitializationError: unable to pull secrets or registry auth: execution"
                + " resource retrieval failed: unable to retrieve secret from "
                + from
                + ": service call has been retried 1 time(s): "
                + e.getMessage());
      }
    }
    AwsLogsStream stream = null;
    if (spec.logs() != null) {
      if (!logGroupReady(spec.logs(), host)) {
        return new Refused(NO_LOG_GROUP);
      }
      stream = new AwsLogsStream(host.logs(), spec.logs());
    }
    if (spec.runsProcess() && executable(spec.argv().get(0), env.get("PATH")) == null) {
      return new Refused(
          "CannotStartContainerError: ResourceInitializationError: failed to create new"
              + " container runtime task: failed to create shim task: OCI runtime create failed:"
              + " runc create failed: unable to start container process: exec: \""
              + spec.argv().get(0)
              + "\": executable file not found in $PATH: unknown");
    }
    return new Ready(env, stream);
  }

  private static boolean logGroupReady(ContainerSpec.AwsLogs logs, TaskHost host) {
    boolean exists =
        host.logs().describeLogGroups(r -> r.logGroupNamePrefix(logs.group())).logGroups().stream()
            .anyMatch(g -> g.logGroupName().equals(logs.group()));
    if (!exists && logs.createGroup()) {
      host.logs().createLogGroup(r -> r.logGroupName(logs.group()));
      return true;
    }
    return exists;
  }

  /** {@code command} as the runtime finds it: a path, or a name on {@code path}; else null. */
  static Path executable(String command, String path) {
    if (command.contains("/")) {
      Path p = Path.of(command);
      return Files.isExecutable(p) ? p : null;
    }
    for (String dir : (path == null ? "" : path).split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, command);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }
}
