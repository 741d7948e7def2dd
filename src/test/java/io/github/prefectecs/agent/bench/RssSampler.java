package io.github.prefectecs.agent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads {@code /proc/<pid>/status} of a child process every 100 ms on a daemon thread: resident set
 * size now ({@code VmRSS}), its peak as the kernel keeps it ({@code VmHWM}) and the thread count.
 * Linux only.
 *
 * <p>Thread-safe: the getters may be called while sampling runs.
 */
final class RssSampler implements AutoCloseable {
  private final Path status;
  private final AtomicLong rssKib = new AtomicLong();
  private final AtomicLong hwmKib = new AtomicLong();
  private final AtomicInteger threads = new AtomicInteger();
  private final AtomicInteger maxThreads = new AtomicInteger();
  private final Thread thread;
  private volatile boolean running = true;

  RssSampler(long pid) {
    this.status = Path.of("/proc", Long.toString(pid), "status");
    this.thread = new Thread(this::loop, "rss-sampler-" + pid);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      sample();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Reads the status file once; a process that has gone leaves the last figures. */
  void sample() {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          rssKib.set(kib(line));
        } else if (line.startsWith("VmHWM:")) {
          hwmKib.accumulateAndGet(kib(line), Math::max);
        } else if (line.startsWith("Threads:")) {
          int n = Integer.parseInt(line.substring("Threads:".length()).trim());
          threads.set(n);
          maxThreads.accumulateAndGet(n, Math::max);
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process exited between two samples: keep what was read last.
    }
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  double rssMib() {
    return rssKib.get() / 1024.0;
  }

  double peakMib() {
    return hwmKib.get() / 1024.0;
  }

  int threads() {
    return threads.get();
  }

  int maxThreads() {
    return maxThreads.get();
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
