package io.github.prefectecs.agent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM flags the image ships: sizes that do not depend on the container's memory, an exit on
 * running out of memory, an optional class-data archive, and the same flags in the systemd unit for
 * EC2 in docs/operations.md.
 */
class ImageFlagsTest {
  private final ImageFlags image = readImage();

  private static ImageFlags readImage() {
    try {
      return ImageFlags.fromDockerfile(Path.of("Dockerfile"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void imageFlagsGiveExplicitSizesWhateverTheContainerMemory() {
    assertThat(image.javaToolOptions())
        .contains("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Xshare:auto")
        .anyMatch(f -> f.startsWith("-Xmx"))
        .anyMatch(f -> f.startsWith("-Xss"))
        .anyMatch(f -> f.startsWith("-XX:ReservedCodeCacheSize="))
        .noneMatch(f -> f.contains("RAMPercentage") || f.startsWith("-XX:MaxRAM="));
    assertThat(image.env()).containsEntry("MALLOC_ARENA_MAX", "2");
  }

  @Test
  void systemdUnitInTheOperationsGuideUsesTheImageFlags() throws Exception {
    String guide = Files.readString(Path.of("docs", "operations.md"));
    Matcher unit = Pattern.compile("Environment=\"JAVA_TOOL_OPTIONS=([^\"]*)\"").matcher(guide);
    assertThat(unit.find()).as("docs/operations.md systemd unit sets JAVA_TOOL_OPTIONS").isTrue();
    assertThat(withoutArchivePath(List.of(unit.group(1).trim().split("\\s+"))))
        .isEqualTo(withoutArchivePath(image.javaToolOptions()));
    assertThat(guide).contains("Environment=MALLOC_ARENA_MAX=2");
  }

  private static List<String> withoutArchivePath(List<String> flags) {
    return flags.stream()
        .map(f -> f.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=" : f)
        .toList();
  }
}
