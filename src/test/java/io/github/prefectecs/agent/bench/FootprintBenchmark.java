package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.demo.DemoEnvironment;
import io.github.prefectecs.agent.prefect.server.PrefectServerDouble;
import io.github.prefectecs.agent.prefect.server.RecordedRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code target/agent.jar ecs start} as a child process against the moto AWS emulator and
 * the Prefect Server double with N flow runs due at once, with task supervision and CloudWatch log
 * forwarding on (their defaults), once per JVM flag set, and prints for each: peak RSS (the
 * kernel's {@code VmHWM}), threads, runs/s from the first to the last Submitted state, Prefect
 * GraphQL requests per run, and milliseconds from spawning the process to its {@code
 * register_agent} and its first {@code get_runs_in_queue} request. Once every run is Submitted it
 * writes {@value FlowOutput#LINES_PER_TASK} lines into each task's CloudWatch stream and keeps the
 * agent running until they are forwarded (at least the hold time), counting what arrived.
 *
 * <p>Flag sets: {@code defaults} (no flags), {@code image-before} (the flags the image shipped
 * before the footprint work), {@code image} (the {@code JAVA_TOOL_OPTIONS} and {@code
 * MALLOC_ARENA_MAX} of the {@code Dockerfile}, read from it, with its class-data archive built for
 * {@code target/agent.jar} as the Dockerfile builds it), {@code custom} (the flags in {@code
 * -Dfootprint.flags}), {@code label=-XX:a,-XX:b} (ad hoc), {@code image+label=-XX:a,-XX:b} (the
 * image's set with those appended), and {@code classlist} (the image's flags without the archive,
 * writing the classes loaded to {@code src/main/cds/agent.classlist}: how that list is made when
 * the code changes). The Fargate task's 512 MiB is emulated with {@code -XX:MaxRAM=512m} (what the
 * JVM reads from the container's cgroup there), so size-dependent defaults come out as in the task;
 * the {@code defaults} set shows this machine's own defaults. {@code -Dfootprint.nmt=true} adds
 * Native Memory Tracking and prints {@code jcmd VM.native_memory summary} at the end of each set.
 *
 * <p>Run (after {@code mvn package}): {@code mvn -B -ntp -q exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.FootprintBenchmark [-Dexec.args="1000 20
 * defaults image-before image"]} with {@code MOTO_SERVER} set. Arguments: runs, seconds to keep the
 * agent running after the last launch (supervision and log forwarding of every task), sets.
 */
public final class FootprintBenchmark {
  static final String CONTAINER = "-XX:MaxRAM=512m";
  static final String IMAGE_BEFORE = "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError";

  private record FlagSet(String name, List<String> flags, Map<String, String> env) {}

  private record Result(
      FlagSet set,
      double peakMib,
      double endRssMib,
      int maxThreads,
      double cpuSeconds,
      int submitted,
      double runsPerSecond,
      double requestsPerRun,
      long registerMs,
      long firstPollMs,
      int exitCode,
      String heap,
      String logLines) {}

  private FootprintBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int holdSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    List<String> names =
        args.length > 2
            ? List.of(args).subList(2, args.length)
            : List.of("defaults", "image-before", "image");
    boolean nmt = Boolean.getBoolean("footprint.nmt");
    String loadBefore = loadAverage();
    Path jar = Path.of("target", "agent.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException("no " + jar + ": run mvn package first");
    }
    List<Result> results = new ArrayList<>();
    for (String name : names) {
      FlagSet set = flagSet(name, nmt);
      System.out.printf("%n== %s: JAVA_TOOL_OPTIONS=%s env=%s%n", name, set.flags(), set.env());
      results.add(measure(jar, set, runs, holdSeconds, nmt));
    }
    System.out.printf(
        "%n%d runs due at once; machine: %d cores, load average before: %s%n",
        runs, Runtime.getRuntime().availableProcessors(), loadBefore);
    System.out.printf(
        "%-13s %9s %8s %7s %6s %9s %7s %9s %9s %9s %4s %11s  %s%n",
        "flags",
        "peak MiB",
        "end MiB",
        "threads",
        "cpu s",
        "submitted",
        "runs/s",
        "req/run",
        "register",
        "1st poll",
        "exit",
        "lines fwd",
        "heap after the burst");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "%-13s %9.1f %8.1f %7d %6.1f %9d %7.1f %9.2f %7d ms %6d ms %4d %11s  %s%n",
          r.set().name(),
          r.peakMib(),
          r.endRssMib(),
          r.maxThreads(),
          r.cpuSeconds(),
          r.submitted(),
          r.runsPerSecond(),
          r.requestsPerRun(),
          r.registerMs(),
          r.firstPollMs(),
          r.exitCode(),
          r.logLines(),
          r.heap());
    }
    Result base = results.get(0);
    for (Result r : results.subList(1, results.size())) {
      System.out.printf(
          Locale.ROOT,
          "%s vs %s: peak RSS x%.2f, runs/s x%.2f, first poll x%.2f%n",
          r.set().name(),
          base.set().name(),
          r.peakMib() / base.peakMib(),
          r.runsPerSecond() / base.runsPerSecond(),
          (double) r.firstPollMs() / base.firstPollMs());
    }
  }

  private static FlagSet flagSet(String name, boolean nmt) throws IOException {
    if (name.startsWith("image+") && name.indexOf('=') > 6) {
      // "image+label=-XX:a,-XX:b": the image's set with flags appended (a later flag wins).
      FlagSet image = flagSet("image", nmt);
      int eq = name.indexOf('=');
      List<String> flags = new ArrayList<>(image.flags());
      flags.addAll(List.of(name.substring(eq + 1).split(",")));
      flags.removeIf(String::isBlank);
      return new FlagSet(name.substring(6, eq), List.copyOf(flags), image.env());
    }
    List<String> flags = new ArrayList<>();
    Map<String, String> env = new java.util.LinkedHashMap<>();
    switch (name) {
      case "defaults" -> {}
      case "defaults-512" -> flags.add(CONTAINER);
      case "image-before" -> {
        flags.add(CONTAINER);
        flags.addAll(List.of(IMAGE_BEFORE.split(" ")));
      }
      case "image", "classlist" -> {
        ImageFlags image = ImageFlags.fromDockerfile(Path.of("Dockerfile"));
        flags.add(CONTAINER);
        for (String flag : image.javaToolOptions()) {
          if (!flag.startsWith("-XX:SharedArchiveFile=")) {
            flags.add(flag);
          } else if (name.equals("image")) {
            // The image's archive, built here as the Dockerfile builds it, for this jar.
            flags.add("-XX:SharedArchiveFile=" + ClassDataArchive.dump(Path.of("target")));
          }
        }
        if (name.equals("classlist")) {
          flags.add("-XX:DumpLoadedClassList=" + ClassDataArchive.CLASS_LIST.toAbsolutePath());
        }
        env.putAll(image.env());
      }
      case "custom" -> {
        flags.add(CONTAINER);
        flags.addAll(List.of(System.getProperty("footprint.flags", "").trim().split("\\s+")));
        String arenas = System.getProperty("footprint.arenas");
        if (arenas != null) {
          env.put("MALLOC_ARENA_MAX", arenas);
        }
      }
      default -> {
        // "label=-XX:a,-XX:b": an ad-hoc set, emulating the task's 512 MiB like the others.
        int eq = name.indexOf('=');
        if (eq < 1) {
          throw new IllegalArgumentException("unknown flag set " + name);
        }
        flags.add(CONTAINER);
        flags.addAll(List.of(name.substring(eq + 1).split(",")));
        String arenas = System.getProperty("footprint.arenas");
        if (arenas != null) {
          env.put("MALLOC_ARENA_MAX", arenas);
        }
        name = name.substring(0, eq);
      }
    }
    if (nmt) {
      flags.add("-XX:NativeMemoryTracking=summary");
    }
    flags.removeIf(String::isBlank);
    return new FlagSet(name, List.copyOf(flags), Map.copyOf(env));
  }

  private static Result measure(Path jar, FlagSet set, int runs, int holdSeconds, boolean nmt)
      throws Exception {
    try (DemoEnvironment env = DemoEnvironment.start()) {
      List<String> ids = env.scheduleRuns(runs);
      PrefectServerDouble prefect = env.prefect();
      Path log = Files.createTempFile("footprint-agent", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  jar.toString(),
                  "ecs",
                  "start")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      Map<String, String> environment = builder.environment();
      environment.keySet().removeIf(k -> k.startsWith("PREFECT__") || k.startsWith("AWS_"));
      environment.remove("JAVA_TOOL_OPTIONS");
      environment.remove("MALLOC_ARENA_MAX");
      environment.putAll(env.agentEnvironment(env.writeTaskDefinition().toString()));
      environment.put("PREFECT__CLOUD__AGENT__AGENT_ADDRESS", "http://127.0.0.1:" + freePort());
      if (!set.flags().isEmpty()) {
        environment.put("JAVA_TOOL_OPTIONS", String.join(" ", set.flags()));
      }
      environment.putAll(set.env());
      warmUp(prefect);
      int warmUpRequests = prefect.requestCount();
      Instant spawned = Instant.now();
      System.out.println("spawning the agent at " + spawned);
      Process agent = builder.start();
      try (RssSampler rss = new RssSampler(agent.pid())) {
        int submitted = awaitSubmitted(prefect, ids, agent, Duration.ofSeconds(30L + runs / 5));
        // The flow containers' output, for log forwarding to carry while memory is watched.
        int written = FlowOutput.writeForEveryTask(env);
        Instant holdUntil = Instant.now().plusSeconds(holdSeconds);
        Instant forwardDeadline = holdUntil.plusSeconds(90);
        int forwarded = 0;
        while (agent.isAlive()
            && (Instant.now().isBefore(holdUntil)
                || (forwarded < written && Instant.now().isBefore(forwardDeadline)))) {
          Thread.sleep(1000);
          forwarded = FlowOutput.forwarded(prefect, ids);
        }
        rss.sample();
        double peak = rss.peakMib();
        double end = rss.rssMib();
        // CPU time before the benchmark's own jcmd calls make the agent do extra work.
        double cpu = cpuSeconds(agent.pid());
        System.out.println(Smaps.top(agent.pid(), 8));
        // A full collection first, so the heap figure is what the burst left alive.
        String heap = agent.isAlive() ? Jcmd.liveHeap(agent.pid()) : "(agent exited)";
        if (nmt && agent.isAlive()) {
          System.out.println(Jcmd.run(agent.pid(), "VM.native_memory", "summary"));
        }
        if (agent.isAlive()) {
          System.out.println("classes loaded: " + Jcmd.loadedClasses(agent.pid()));
        }
        if (Boolean.getBoolean("footprint.histogram") && agent.isAlive()) {
          Jcmd.run(agent.pid(), "GC.class_histogram")
              .lines()
              .limit(Long.getLong("footprint.histogram.lines", 25))
              .forEach(System.out::println);
        }
        agent.destroy();
        int exit = agent.waitFor(90, TimeUnit.SECONDS) ? agent.exitValue() : -1;
        if (exit == -1) {
          agent.destroyForcibly();
        }
        List<RecordedRequest> all = prefect.requests();
        List<RecordedRequest> requests = all.subList(warmUpRequests, all.size());
        System.out.printf(
            "%s: %d/%d submitted, agent log %s (%d lines)%n",
            set.name(), submitted, runs, log, Files.readAllLines(log).size());
        return new Result(
            set,
            peak,
            end,
            rss.maxThreads(),
            cpu,
            submitted,
            runsPerSecond(prefect, ids),
            requests.size() / (double) runs,
            millisTo(requests, "register_agent", spawned),
            millisTo(requests, "get_runs_in_queue", spawned),
            exit,
            heap,
            forwarded + "/" + written);
      }
    }
  }

  /**
   * User plus system CPU seconds of a process so far ({@code /proc/<pid>/stat} fields 14 and 15, in
   * clock ticks of 1/100 s), or NaN when unreadable.
   */
  private static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static int awaitSubmitted(
      PrefectServerDouble prefect, List<String> ids, Process agent, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int submitted = 0;
    while (Instant.now().isBefore(deadline) && agent.isAlive()) {
      submitted = (int) ids.stream().filter(id -> !"Scheduled".equals(state(prefect, id))).count();
      if (submitted == ids.size()) {
        return submitted;
      }
      Thread.sleep(250);
    }
    return submitted;
  }

  private static String state(PrefectServerDouble prefect, String id) {
    return prefect.flowRunState(id);
  }

  /** Runs per second between the first and the last Submitted state the server recorded. */
  private static double runsPerSecond(PrefectServerDouble prefect, List<String> ids) {
    List<Instant> times = new ArrayList<>();
    for (String id : ids) {
      if ("Submitted".equals(prefect.flowRunState(id))) {
        times.add((Instant) prefect.flowRunColumn(id, "state_timestamp"));
      }
    }
    if (times.size() < 2) {
      return 0;
    }
    times.sort(null);
    double seconds =
        Duration.between(times.get(0), times.get(times.size() - 1)).toMillis() / 1000.0;
    return seconds <= 0 ? 0 : (times.size() - 1) / seconds;
  }

  private static long millisTo(List<RecordedRequest> requests, String field, Instant spawned) {
    return requests.stream()
        .filter(r -> r.rootFields().contains(field))
        .findFirst()
        .map(r -> Duration.between(spawned, r.receivedAt()).toMillis())
        .orElse(-1L);
  }

  /**
   * The double answers its first requests slowly while its own JIT warms up; a few queries first so
   * start-up timings measure the agent, not the double.
   */
  private static void warmUp(PrefectServerDouble prefect) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < 30; i++) {
      http.send(
          java.net.http.HttpRequest.newBuilder(prefect.uri())
              .header("Content-Type", "application/json")
              .POST(
                  java.net.http.HttpRequest.BodyPublishers.ofString(
                      "{\"query\":\"query { hello }\"}"))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
