package io.github.prefectecs.agent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the class-data sharing archive the image ships, for the local {@code target/agent.jar},
 * with the command the {@code Dockerfile} runs.
 */
final class ClassDataArchive {
  static final Path CLASS_LIST = Path.of("src", "main", "cds", "agent.classlist");

  private ClassDataArchive() {}

  /** Dumps {@code dir/agent.jsa} from {@link #CLASS_LIST} and {@code dir/agent.jar}. */
  static Path dump(Path dir) throws IOException {
    Path archive = dir.resolve("agent.jsa").toAbsolutePath();
    Path log = dir.resolve("cds-dump.log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xshare:dump",
            "-XX:SharedClassListFile=" + CLASS_LIST.toAbsolutePath(),
            "-XX:SharedArchiveFile=" + archive,
            "-cp",
            dir.resolve("agent.jar").toAbsolutePath().toString());
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("CDS dump failed, see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while dumping the CDS archive", e);
    }
    if (!Files.exists(archive)) {
      throw new IllegalStateException("no archive written, see " + log);
    }
    return archive;
  }
}
