package io.github.prefectecs.agent.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar under the image's {@code JAVA_TOOL_OPTIONS}: it starts with the class-data archive
 * built as the Dockerfile builds it, and also where the archive is missing (the jar run on an EC2
 * host without one), with no warning either way.
 */
@Timeout(180)
class ImageJvmFlagsIT {
  @TempDir Path dir;

  @Test
  void startsWithTheArchiveAndWithoutIt() throws Exception {
    Path jar = Path.of("target", "agent.jar").toAbsolutePath();
    Path archive = dir.resolve("agent.jsa");
    Run dump =
        run(
            List.of(),
            "-Xshare:dump",
            "-XX:SharedClassListFile=" + Path.of("src/main/cds/agent.classlist").toAbsolutePath(),
            "-XX:SharedArchiveFile=" + archive,
            "-cp",
            jar.toString());
    assertThat(dump.exit()).as(dump.output()).isZero();
    assertThat(archive).exists();

    // -Xshare:on fails the start when the archive cannot be used: it is used.
    Run shared = run(imageFlags(archive), "-Xshare:on", "-jar", jar.toString(), "--version");
    assertThat(shared.exit()).as(shared.output()).isZero();
    assertThat(shared.output()).contains("prefect-ecs-agent");
    assertNoWarning(run(imageFlags(archive), "-jar", jar.toString(), "--version"));

    Run missing = run(imageFlags(dir.resolve("missing.jsa")), "-jar", jar.toString(), "--version");
    assertThat(missing.exit()).as(missing.output()).isZero();
    assertThat(missing.output()).contains("prefect-ecs-agent");
    assertNoWarning(missing);
  }

  private static void assertNoWarning(Run run) {
    // The JVM's "Picked up JAVA_TOOL_OPTIONS" line names ExitOnOutOfMemoryError: not a problem.
    String rest =
        run.output()
            .lines()
            .filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS"))
            .reduce("", (a, b) -> a + b + "\n")
            .toLowerCase(java.util.Locale.ROOT);
    assertThat(rest).doesNotContain("warning").doesNotContain("error");
  }

  private record Run(int exit, String output) {}

  private static List<String> imageFlags(Path archive) throws Exception {
    Matcher m =
        Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"")
            .matcher(Files.readString(Path.of("Dockerfile")));
    assertThat(m.find()).isTrue();
    List<String> flags = new ArrayList<>();
    for (String flag : m.group(1).trim().split("\\s+")) {
      flags.add(
          flag.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=" + archive : flag);
    }
    return flags;
  }

  private Run run(List<String> toolOptions, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    if (!toolOptions.isEmpty()) {
      builder.environment().put("JAVA_TOOL_OPTIONS", String.join(" ", toolOptions));
    }
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
