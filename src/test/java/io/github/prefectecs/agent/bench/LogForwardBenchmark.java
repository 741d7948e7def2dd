package io.github.prefectecs.agent.bench;

import io.github.prefectecs.agent.logs.LogForwardSimulation;
import io.github.prefectecs.agent.logs.LogForwardSimulation.Figures;
import java.time.Duration;

/**
 * 1000 flow tasks printing a line every 2 s for 5 minutes, read in virtual time by the log
 * forwarder (FilterLogEvents over 100 streams a call, 5 calls/s) and, in the same run, by a naive
 * reader (one GetLogEvents per stream, 10 calls/s). Each Logs call costs 80 ms. Prints Logs read
 * calls per minute and the delay from PutLogEvents to the Prefect writer (p50, p99).
 *
 * <p>Run: {@code mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.github.prefectecs.agent.bench.LogForwardBenchmark [-Dexec.args="1000 2 300"]}
 * (tasks, seconds between lines, seconds of writing)
 */
public final class LogForwardBenchmark {
  private LogForwardBenchmark() {}

  public static void main(String[] args) {
    int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Duration every = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 2);
    Duration writing = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 300);
    Duration cost = Duration.ofMillis(80);
    Figures forwarder =
        new LogForwardSimulation(tasks, every, writing, cost).forwarder(Duration.ofSeconds(5));
    Figures naive = new LogForwardSimulation(tasks, every, writing, cost).naive();
    System.out.printf(
        "%d tasks, a line every %d s each, %d s of writing, %d ms per Logs call%n",
        tasks, every.toSeconds(), writing.toSeconds(), cost.toMillis());
    print("forwarder (FilterLogEvents x100 streams)", forwarder);
    print("naive (GetLogEvents per stream)", naive);
    System.out.printf(
        "ratio naive/forwarder: read calls %.1fx, p50 delay %.1fx, p99 delay %.1fx%n",
        naive.callsPerMinute() / forwarder.callsPerMinute(),
        (double) naive.p50Millis() / forwarder.p50Millis(),
        (double) naive.p99Millis() / forwarder.p99Millis());
  }

  private static void print(String name, Figures f) {
    System.out.printf(
        "%-42s lines %d forwarded %d duplicates %d | read calls/min %.0f (quota 300 Filter, 600"
            + " Get) | delay p50 %d ms p99 %d ms%n",
        name,
        f.lines(),
        f.forwarded(),
        f.duplicates(),
        f.callsPerMinute(),
        f.p50Millis(),
        f.p99Millis());
  }
}
