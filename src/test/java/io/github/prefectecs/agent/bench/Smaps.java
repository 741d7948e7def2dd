package io.github.prefectecs.agent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Resident memory of a process by mapping ({@code /proc/<pid>/smaps}): where RSS is, not NMT. */
final class Smaps {
  private Smaps() {}

  /** The largest resident mappings, by file name ("[anon]" for anonymous memory), in MiB. */
  static String top(long pid, int count) {
    Map<String, Long> kib = new HashMap<>();
    String name = "?";
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
        if (Character.isDigit(line.charAt(0)) || line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
          String[] parts = line.trim().split("\\s+");
          name = parts.length >= 6 ? Path.of(parts[5]).getFileName().toString() : "[anon]";
        } else if (line.startsWith("Rss:")) {
          kib.merge(name, Long.parseLong(line.replaceAll("[^0-9]", "")), Long::sum);
        }
      }
    } catch (IOException | RuntimeException e) {
      return "smaps unreadable: " + e.getMessage();
    }
    return kib.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(count)
        .map(
            e -> String.format(java.util.Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1024.0))
        .collect(Collectors.joining(", ", "resident MiB by mapping: ", ""));
  }
}
