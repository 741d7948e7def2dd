package io.github.prefectecs.agent.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code jcmd} against a child JVM, for benchmarks: heap after a burst, NMT, class counts. */
final class Jcmd {
  private Jcmd() {}

  static String run(long pid, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** Used / committed / max of the heap and its old generation, one line. */
  static String heapSummary(long pid) throws IOException, InterruptedException {
    StringBuilder line = new StringBuilder();
    for (String l : run(pid, "GC.heap_info").split("\n")) {
      String t = l.trim();
      if (t.startsWith("def new generation")
          || t.startsWith("tenured generation")
          || t.startsWith("garbage-first heap")
          || t.startsWith("Metaspace")) {
        line.append(t.replaceAll("\\s*\\[0x.*", "").replaceAll("\\s+", " ")).append("; ");
      }
    }
    return line.toString();
  }

  /** {@link #heapSummary} after a full collection: what stays alive. */
  static String liveHeap(long pid) throws IOException, InterruptedException {
    run(pid, "GC.run");
    return heapSummary(pid);
  }

  /** Classes loaded so far (and of those, from the CDS archive). */
  static String loadedClasses(long pid) throws IOException, InterruptedException {
    String loaded = "?";
    String shared = "?";
    for (String l : run(pid, "PerfCounter.print").split("\n")) {
      if (l.startsWith("java.cls.loadedClasses=")) {
        loaded = l.substring(l.indexOf('=') + 1);
      } else if (l.startsWith("java.cls.sharedLoadedClasses=")) {
        shared = l.substring(l.indexOf('=') + 1);
      }
    }
    return loaded + " (" + shared + " from CDS)";
  }
}
