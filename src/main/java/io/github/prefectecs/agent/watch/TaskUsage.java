package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.config.CostSettings.Architecture;
import io.github.prefectecs.agent.cost.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a stopped task used, from what DescribeTasks said of it: its size, the capacity it ran on,
 * its CPU architecture, and its runtime from ECS's {@code pullStartedAt} (else {@code startedAt})
 * to {@code stoppedAt}, as Fargate bills; the watcher's own observations only where ECS gave no
 * time (emulators), and then said so. Stateless.
 */
final class TaskUsage {
  private TaskUsage() {}

  /** The usage of {@code w}, stopped by {@code now}; null when it was never described. */
  static Usage of(Watched w, Instant now) {
    ObservedTask task = w.last();
    if (task == null) {
      return null;
    }
    ObservedTask.Times times = task.times();
    ObservedTask.Capacity capacity = task.capacity();
    Instant start = times.pullStartedAt() != null ? times.pullStartedAt() : times.startedAt();
    Instant end = times.stoppedAt();
    String timing = null;
    Duration runtime;
    if (end != null && start == null) {
      runtime = Duration.ZERO; // ECS stopped it before any image pull: nothing is billed
    } else if (start != null && end != null) {
      runtime = Duration.between(start, end);
    } else {
      List<String> missing = new ArrayList<>();
      if (start == null) {
        missing.add("start");
        start = w.firstRunningAt() != null ? w.firstRunningAt() : w.startedAt();
      }
      if (end == null) {
        missing.add("stop");
        end = w.endedAt() != null ? w.endedAt() : now;
      }
      timing =
          "from the agent's observations: ECS gave no " + String.join(" or ", missing) + " time";
      runtime = Duration.between(start, end);
    }
    String architecture = capacity.cpuArchitecture();
    return new Usage(
        region(w.taskArn),
        placement(capacity),
        architecture(architecture),
        architecture != null,
        units(capacity.cpu(), 1024),
        units(capacity.memory(), 1024),
        runtime.isNegative() ? Duration.ZERO : runtime,
        timing);
  }

  /** The capacity provider, else the launch type; a provider of one's own is EC2 capacity. */
  static String placement(ObservedTask.Capacity capacity) {
    String provider = capacity.capacityProvider();
    if (provider != null) {
      return provider.startsWith("FARGATE") ? provider : "EC2";
    }
    return capacity.launchType();
  }

  private static Architecture architecture(String reported) {
    String a = reported == null ? "" : reported.toLowerCase(Locale.ROOT);
    return a.equals("arm64") || a.equals("aarch64") ? Architecture.ARM64 : Architecture.X86_64;
  }

  /** {@code 1024} CPU units or MiB as vCPUs or GiB; null when ECS gave none (or no number). */
  private static Double units(String value, double per) {
    if (value == null || !value.strip().matches("\\d+")) {
      return null;
    }
    return Long.parseLong(value.strip()) / per;
  }

  /** The region of a task ARN ({@code arn:aws:ecs:<region>:...}); {@code unknown} when none. */
  static String region(String taskArn) {
    String[] parts = taskArn.split(":", 5);
    return parts.length >= 4 && !parts[3].isEmpty() ? parts[3] : "unknown";
  }
}
