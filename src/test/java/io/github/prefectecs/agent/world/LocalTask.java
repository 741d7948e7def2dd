package io.github.prefectecs.agent.world;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One ECS task run locally: PROVISIONING, PENDING (the pull), RUNNING while its containers'
 * processes live, STOPPING while they are being stopped (SIGTERM, SIGKILL after each container's
 * stop timeout), DEPROVISIONING, STOPPED, with the stop code, reason and exit codes ECS would give.
 * {@link ContainerStart}'s checks run and log streams are created when the containers start; a
 * failed check fails the start as ECS does ({@code TaskFailedToStart}).
 *
 * <p>Thread-safe: every change happens under the task's lock, on the front's scheduler, an HTTP
 * thread or a container's output thread.
 */
final class LocalTask {
  static final String ESSENTIAL_EXITED = "Essential container in task exited";

  private enum Phase {
    PROVISIONING,
    PENDING,
    RUNNING,
    STOPPING,
    DEPROVISIONING,
    STOPPED
  }

  private final String arn;
  private final String runId;
  private final String capacityProvider;
  private final String launchType;
  private final String cpu;
  private final String memory;
  private final Path home;
  private final TaskHost host;
  private final Map<String, ContainerSlot> containers = new LinkedHashMap<>();
  private final List<Planned> plans;
  private Phase phase = Phase.PROVISIONING;
  private String desired = "RUNNING";
  private String stopCode;
  private String finalStopCode;
  private String stoppedReason;
  private final Instant createdAt;
  private Instant pullStartedAt;
  private Instant pullStoppedAt;
  private Instant startedAt;
  private Instant stoppingAt;
  private Instant executionStoppedAt;
  private Instant stoppedAt;
  private long version = 1;

  /**
   * @param placement {@code capacityProvider} (null when placed by launch type) and launch type
   * @param plans faults planned for this task; kept
   */
  LocalTask(
      String arn,
      String runId,
      String[] placement,
      String cpu,
      String memory,
      List<ContainerSpec> specs,
      Path home,
      List<Planned> plans,
      TaskHost host) {
    this.arn = arn;
    this.runId = runId;
    this.capacityProvider = placement[0];
    this.launchType = placement[1];
    this.cpu = cpu;
    this.memory = memory;
    this.home = home;
    this.plans = new ArrayList<>(plans);
    this.host = host;
    this.createdAt = Instant.now();
    specs.forEach(s -> containers.put(s.name(), new ContainerSlot(s)));
  }

  /** Starts the lifecycle: PENDING after the provisioning delay, then the containers start. */
  void begin() {
    later(host.settings().provisioning().toMillis(), this::provisioned);
  }

  String arn() {
    return arn;
  }

  String runId() {
    return runId;
  }

  /** Whether DescribeTasks does not know the task yet (ECS's eventual consistency). */
  synchronized boolean missingAt(Instant now) {
    return now.isBefore(createdAt.plus(host.settings().missingWindow()));
  }

  private synchronized void provisioned() {
    if (phase != Phase.PROVISIONING) {
      return;
    }
    phase = Phase.PENDING;
    pullStartedAt = Instant.now();
    version++;
    later(host.settings().pending().toMillis(), this::pulled);
  }

  private synchronized void pulled() {
    if (phase != Phase.PENDING) {
      return;
    }
    for (Planned p : List.copyOf(plans)) {
      if (p.fault() instanceof Fault.FailedToStart failed) {
        plans.remove(p);
        failStart(failed.reason());
        return;
      }
    }
    Map<String, Map<String, String>> environments = new LinkedHashMap<>();
    for (ContainerSlot slot : containers.values()) {
      ContainerStart.Outcome start = ContainerStart.check(slot.spec, host);
      if (start instanceof ContainerStart.Refused refused) {
        failStart(refused.reason());
        return;
      }
      ContainerStart.Ready ready = (ContainerStart.Ready) start;
      environments.put(slot.spec.name(), ready.environment());
      slot.stream = ready.stream();
    }
    pullStoppedAt = Instant.now();
    startedAt = pullStoppedAt;
    phase = Phase.RUNNING;
    version++;
    for (ContainerSlot slot : containers.values()) {
      if (slot.stream != null) {
        slot.stream.open();
      }
      slot.lastStatus = "RUNNING";
      if (slot.spec.runsProcess()) {
        try {
          slot.process =
              ContainerProcess.start(
                  slot.spec,
                  environments.get(slot.spec.name()),
                  home,
                  "ecs-task-" + taskId().substring(0, 8) + "-" + slot.spec.name(),
                  line -> line(slot, line),
                  code -> exited(slot, code));
        } catch (IOException e) {
          slot.lastStatus = "STOPPED";
          slot.reason = "CannotStartContainerError: " + e.getMessage();
          beginStop("TaskFailedToStart", null, slot.reason);
        }
      }
    }
    armTriggers();
  }

  private void armTriggers() {
    for (Planned p : List.copyOf(plans)) {
      if (p.trigger() instanceof Trigger.AtStart) {
        plans.remove(p);
        inject(p.fault());
      } else if (p.trigger() instanceof Trigger.After after) {
        plans.remove(p);
        later(after.delay().toMillis(), () -> inject(p.fault()));
      }
    }
  }

  private void line(ContainerSlot slot, String line) {
    if (slot.stream != null) {
      slot.stream.add(line);
    }
    synchronized (this) {
      slot.lines.add(line);
      for (Planned p : List.copyOf(plans)) {
        if (p.trigger() instanceof Trigger.OnLine on && line.contains(on.text())) {
          plans.remove(p);
          inject(p.fault());
        }
      }
    }
  }

  private void exited(ContainerSlot slot, int code) {
    slot.flush(arn);
    synchronized (this) {
      slot.lastStatus = "STOPPED";
      slot.exitCode = code;
      if (slot.killTimer != null) {
        slot.killTimer.cancel(false);
      }
      version++;
      if (slot.spec.essential()) {
        beginStop("EssentialContainerExited", null, ESSENTIAL_EXITED);
      }
      finishIfDone();
    }
  }

  /** StopTask: {@code UserInitiated} with the caller's reason. */
  void stop(String reason) {
    beginStop("UserInitiated", null, reason);
  }

  /** Applies {@code fault} now, or when the containers start if they have not yet. */
  synchronized void inject(Fault fault) {
    if (phase == Phase.PROVISIONING || phase == Phase.PENDING) {
      plans.add(new Planned(fault, Trigger.atStart()));
      return;
    }
    if (fault instanceof Fault.FailedToStart) {
      throw new IllegalStateException("task " + arn + " has started already");
    } else if (fault instanceof Fault.SpotInterruption) {
      beginStop("TerminationNotice", "SpotInterruption", Fault.SPOT_REASON);
    } else if (fault instanceof Fault.OutOfMemory) {
      ContainerSlot target = oomTarget();
      if (target != null) {
        target.reason = Fault.OOM_REASON;
        if (target.process != null) {
          target.process.kill();
        } else {
          // No process to kill: it exits as the kernel would have ended it.
          later(0, () -> exited(target, 137));
        }
      }
    }
  }

  private ContainerSlot oomTarget() {
    ContainerSlot flow = containers.get("flow");
    if (flow != null && flow.live()) {
      return flow;
    }
    return containers.values().stream()
        .filter(s -> s.spec.essential() && s.live())
        .findFirst()
        .orElse(null);
  }

  /**
   * The task is told to stop: desired STOPPED, the stop code and reason, SIGTERM to each live
   * container and SIGKILL after its stop timeout. A task already stopping keeps its first cause.
   *
   * @param finalCode the stop code once STOPPED when it differs from {@code code}; may be null
   */
  private synchronized void beginStop(String code, String finalCode, String reason) {
    if (!"RUNNING".equals(desired)) {
      return;
    }
    desired = "STOPPED";
    stopCode = code;
    finalStopCode = finalCode;
    stoppedReason = reason;
    stoppingAt = Instant.now();
    version++;
    if (phase == Phase.PROVISIONING || phase == Phase.PENDING) {
      containers.values().forEach(s -> s.lastStatus = "STOPPED");
      deprovision();
      return;
    }
    if (phase != Phase.RUNNING) {
      return;
    }
    phase = Phase.STOPPING;
    for (ContainerSlot slot : containers.values()) {
      if (!slot.live()) {
        continue;
      }
      if (slot.process == null) {
        // A container without a process stands for an image that handles SIGTERM.
        slot.lastStatus = "STOPPED";
        slot.exitCode = 0;
        continue;
      }
      slot.process.terminate();
      ContainerProcess process = slot.process;
      slot.killTimer =
          host.scheduler()
              .schedule(process::kill, slot.spec.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    finishIfDone();
  }

  private void finishIfDone() {
    if (phase != Phase.STOPPING && phase != Phase.RUNNING) {
      return;
    }
    if ("RUNNING".equals(desired) || containers.values().stream().anyMatch(ContainerSlot::live)) {
      return;
    }
    executionStoppedAt = Instant.now();
    deprovision();
  }

  private void deprovision() {
    phase = Phase.DEPROVISIONING;
    version++;
    later(host.settings().deprovisioning().toMillis(), this::deprovisioned);
  }

  private synchronized void deprovisioned() {
    phase = Phase.STOPPED;
    stoppedAt = Instant.now();
    if (finalStopCode != null) {
      stopCode = finalStopCode;
    }
    version++;
  }

  private synchronized void failStart(String reason) {
    desired = "STOPPED";
    stopCode = "TaskFailedToStart";
    stoppedReason = reason;
    stoppingAt = Instant.now();
    boolean first = true;
    for (ContainerSlot slot : containers.values()) {
      slot.lastStatus = "STOPPED";
      if (first && slot.spec.essential()) {
        slot.reason = reason;
        first = false;
      }
    }
    deprovision();
  }

  /** Sends what the containers printed since the last flush. */
  void flushLogs() {
    List<ContainerSlot> slots;
    synchronized (this) {
      slots = List.copyOf(containers.values());
    }
    slots.forEach(slot -> slot.flush(arn));
  }

  /** Kills every process at once (the front is closing). */
  synchronized void kill() {
    containers.values().stream()
        .filter(s -> s.process != null && s.process.alive())
        .forEach(s -> s.process.kill());
  }

  /** Waits up to {@code millis} for every process to end. */
  void awaitProcesses(long millis) throws InterruptedException {
    List<ContainerProcess> processes;
    synchronized (this) {
      processes = containers.values().stream().map(s -> s.process).filter(p -> p != null).toList();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (ContainerProcess p : processes) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0 || !p.awaitExit(left)) {
        return;
      }
    }
  }

  /** What each line {@code container} printed, in order. */
  synchronized List<String> output(String container) {
    ContainerSlot slot = containers.get(container);
    if (slot == null) {
      throw new IllegalArgumentException("no container " + container + " in " + arn);
    }
    return List.copyOf(slot.lines);
  }

  synchronized TaskView view() {
    List<TaskView.ContainerView> views =
        containers.values().stream().map(ContainerSlot::view).toList();
    return new TaskView(
        arn,
        runId,
        capacityProvider,
        launchType,
        phase.name(),
        desired,
        stopCode,
        stoppedReason,
        createdAt,
        pullStartedAt,
        pullStoppedAt,
        startedAt,
        stoppingAt,
        executionStoppedAt,
        stoppedAt,
        version,
        cpu,
        memory,
        views);
  }

  private String taskId() {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  private void later(long millis, Runnable step) {
    host.scheduler()
        .schedule(
            () -> {
              try {
                step.run();
              } catch (RuntimeException e) {
                System.err.println("ECS front: task " + arn + " lifecycle step failed: " + e);
                e.printStackTrace();
              }
            },
            millis,
            TimeUnit.MILLISECONDS);
  }
}
