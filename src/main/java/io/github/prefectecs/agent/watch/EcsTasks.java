package io.github.prefectecs.agent.watch;

import java.util.List;
import java.util.Objects;

/**
 * The seam to what task supervision needs from ECS. AWS SDK types stay in the adapter.
 *
 * <p>Implementations are thread-safe, wait on the client-side rate limits, and throw {@link
 * EcsTasksException} on failure.
 */
public interface EcsTasks {
  /** The most ARNs one {@link #describe} call takes (DescribeTasks' limit). */
  int MAX_DESCRIBE = 100;

  /** DescribeTasks for up to {@link #MAX_DESCRIBE} ARNs of one cluster (null: default). */
  Described describe(String cluster, List<String> taskArns);

  /** StopTask with {@code reason} (shown by ECS as the stopped reason). */
  void stop(String cluster, String taskArn, String reason);

  /**
   * The cluster's flow run tasks ECS still lists as stopped (about an hour after they stop), with
   * their details; used once at start-up to report tasks that stopped while the agent was down.
   */
  List<ObservedTask> listStopped(String cluster);

  /**
   * The cluster a task runs in: long task ARNs name it ({@code ...:task/<cluster>/<id>}; a run's
   * {@code run_task_kwargs} may pick another cluster than the agent's), old ones do not.
   *
   * @param defaultCluster the agent's cluster (null: the account's default)
   */
  static String clusterOf(String taskArn, String defaultCluster) {
    int task = taskArn.indexOf(":task/");
    if (task < 0) {
      return defaultCluster;
    }
    String rest = taskArn.substring(task + ":task/".length());
    int slash = rest.indexOf('/');
    return slash > 0 ? rest.substring(0, slash) : defaultCluster;
  }

  /**
   * @param tasks the tasks ECS described
   * @param missing ARNs ECS reported with the failure reason {@code MISSING}
   */
  record Described(List<ObservedTask> tasks, List<String> missing) {
    public Described {
      tasks = List.copyOf(Objects.requireNonNull(tasks, "tasks"));
      missing = List.copyOf(Objects.requireNonNull(missing, "missing"));
    }
  }
}
