package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.logs.LogForwardSimulation;
import io.github.prefectecs.agent.logs.LogForwardSimulation.Figures;
import io.github.prefectecs.agent.logs.LogForwardSimulation.Workload;
import java.time.Duration;

/**
 * Flow tasks launched at Fargate's 20 a second, each one's stream appearing 20 to 60 s after its
 * launch (as its container starts), 8 in 10 printing a line every few seconds while they run and 2
 * in 10 printing two lines and then computing silently, every line received by CloudWatch up to 3 s
 * after its timestamp, and a CloudWatch that refuses a read naming a stream that does not exist.
 * Read in virtual time by the log forwarder (its default settings, one adaptive bucket at the 5/s
 * FilterLogEvents quota) and, in the same run, by a naive reader (one GetLogEvents per stream,
 * round after round, at its 10/s quota). Each Logs call costs 80 ms. Prints read calls per minute,
 * the delay from CloudWatch having a line to the Prefect writer having it (p50, p99), lines
 * duplicated and lost, and the floor the FilterLogEvents quota sets for reading every stream by
 * name (streams / 100 / 5 per second).
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.LogForwardBenchmark [-Dexec.args="1000 5 600"]}
 * (tasks, seconds between lines of a busy task, seconds each task runs)
 */
public final class LogForwardBenchmark {
  private LogForwardBenchmark() {}

  public static void main(String[] args) {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Duration every = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 5);
    Duration writing = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 600);
    Workload workload = Workload.of(tasks, every, writing);
    long started = System.nanoTime();
    Figures forwarder = new LogForwardSimulation(workload).forwarder();
    double forwarderSeconds = (System.nanoTime() - started) / 1e9;
    double foreign = args.length > 3 ? Double.parseDouble(args[3]) : 50_000;
    started = System.nanoTime();
    Figures shared = new LogForwardSimulation(workload.sharedWith(foreign)).forwarder();
    double sharedSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    Figures naive = new LogForwardSimulation(workload).naive();
    double naiveSeconds = (System.nanoTime() - started) / 1e9;
    double floor = tasks / 100.0 / 5.0;
    System.out.printf(
        "%d tasks launched at 20/s (at most %d in flight), streams appear 20-60 s after launch,"
            + " 80 %% print a line every %d s for %d s, 20 %% two lines then silence; CloudWatch"
            + " receives lines 0.5-3 s late and refuses reads naming a missing stream; %d ms per"
            + " Logs call%n",
        tasks, forwarder.maxInFlight(), every.toSeconds(), writing.toSeconds(), 80);
    System.out.printf(
        "floor of reading every stream by name at the 5/s FilterLogEvents quota: %d / 100 / 5 ="
            + " %.1f s (p99 target: %.1f s)%n",
        tasks, floor, 2 * floor);
    print("forwarder", forwarder, forwarderSeconds);
    print(String.format("forwarder, +%.0f/s others' lines", foreign), shared, sharedSeconds);
    print("naive (GetLogEvents per stream)", naive, naiveSeconds);
    System.out.printf(
        "ratio naive/forwarder: read calls %.1fx, p50 delay %.1fx, p99 delay %.1fx%n",
        naive.callsPerMinute() / forwarder.callsPerMinute(),
        (double) naive.p50Millis() / forwarder.p50Millis(),
        (double) naive.p99Millis() / forwarder.p99Millis());
  }

  private static void print(String name, Figures f, double seconds) {
    System.out.printf(
        "%-36s lines %d forwarded %d duplicated %d lost %d | read calls/min %.0f (quota 300"
            + " Filter, 600 Get), refused %d | delay p50 %d ms p99 %d ms | %.1f simulated min,"
            + " position queries %d, %.1f s to simulate%n",
        name,
        f.lines(),
        f.forwarded(),
        f.duplicates(),
        f.lost(),
        f.callsPerMinute(),
        f.refused(),
        f.p50Millis(),
        f.p99Millis(),
        f.minutes(),
        f.positionQueries(),
        seconds);
  }
}
