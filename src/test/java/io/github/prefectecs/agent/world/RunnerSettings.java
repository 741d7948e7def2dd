package io.github.prefectecs.agent.world;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the ECS front runs tasks.
 *
 * @param provisioning how long a new task stays PROVISIONING
 * @param pending how long it then stays PENDING (the image pull)
 * @param deprovisioning how long a task whose containers have all stopped stays DEPROVISIONING
 * @param defaultStopTimeout SIGTERM to SIGKILL for a container without its own {@code stopTimeout}
 *     (ECS: 30 s)
 * @param missingWindow how long DescribeTasks answers a brand-new task with the failure {@code
 *     MISSING} (ECS is eventually consistent); zero for never
 * @param logFlush how often each container's buffered output is sent with PutLogEvents (the awslogs
 *     driver: 5 s)
 * @param binDirs directories put first on every container's {@code PATH} (the flow venv's {@code
 *     bin}, so {@code prefect} is Prefect 0.15.13)
 * @param imageEnvironment what the image's own {@code ENV} would give every container (below the
 *     task definition's and the overrides' environment)
 * @param workRoot under it each task gets its own home and working directory
 * @param region the region ECS puts in {@code AWS_REGION} and {@code AWS_DEFAULT_REGION}
 */
public record RunnerSettings(
    Duration provisioning,
    Duration pending,
    Duration deprovisioning,
    Duration defaultStopTimeout,
    Duration missingWindow,
    Duration logFlush,
    List<Path> binDirs,
    Map<String, String> imageEnvironment,
    Path workRoot,
    String region) {

  public RunnerSettings {
    for (Duration d :
        List.of(
            provisioning, pending, deprovisioning, defaultStopTimeout, missingWindow, logFlush)) {
      Objects.requireNonNull(d, "durations");
      if (d.isNegative()) {
        throw new IllegalArgumentException("durations must not be negative, got " + d);
      }
    }
    if (logFlush.isZero()) {
      throw new IllegalArgumentException("logFlush must be positive");
    }
    binDirs = List.copyOf(binDirs);
    imageEnvironment = Map.copyOf(imageEnvironment);
    Objects.requireNonNull(workRoot, "workRoot");
    Objects.requireNonNull(region, "region");
  }

  /**
   * Quick lifecycle for tests: 200 ms PROVISIONING, 300 ms PENDING, 200 ms DEPROVISIONING, 3 s stop
   * timeout, no MISSING window, output flushed every 250 ms.
   */
  public static RunnerSettings forTests(Path workRoot) {
    return new RunnerSettings(
        Duration.ofMillis(200),
        Duration.ofMillis(300),
        Duration.ofMillis(200),
        Duration.ofSeconds(3),
        Duration.ZERO,
        Duration.ofMillis(250),
        List.of(),
        Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8"),
        workRoot,
        "us-east-1");
  }

  public RunnerSettings withBinDirs(List<Path> dirs) {
    return new RunnerSettings(
        provisioning,
        pending,
        deprovisioning,
        defaultStopTimeout,
        missingWindow,
        logFlush,
        dirs,
        imageEnvironment,
        workRoot,
        region);
  }

  public RunnerSettings withMissingWindow(Duration window) {
    return new RunnerSettings(
        provisioning,
        pending,
        deprovisioning,
        defaultStopTimeout,
        window,
        logFlush,
        binDirs,
        imageEnvironment,
        workRoot,
        region);
  }

  public RunnerSettings withLifecycle(
      Duration provisioning, Duration pending, Duration deprovisioning, Duration stopTimeout) {
    return new RunnerSettings(
        provisioning,
        pending,
        deprovisioning,
        stopTimeout,
        missingWindow,
        logFlush,
        binDirs,
        imageEnvironment,
        workRoot,
        region);
  }

  public RunnerSettings withImageEnvironment(Map<String, String> environment) {
    return new RunnerSettings(
        provisioning,
        pending,
        deprovisioning,
        defaultStopTimeout,
        missingWindow,
        logFlush,
        binDirs,
        environment,
        workRoot,
        region);
  }
}
