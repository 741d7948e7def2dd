package io.github.prefectecs.agent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flags and the process environment the image ships, read from the {@code Dockerfile}'s
 * {@code ENV} lines, so a benchmark measures exactly what is deployed.
 *
 * @param javaToolOptions the words of {@code JAVA_TOOL_OPTIONS}
 * @param env other variables that shape the process's memory ({@code MALLOC_ARENA_MAX})
 */
record ImageFlags(List<String> javaToolOptions, Map<String, String> env) {
  private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"");
  private static final Pattern ARENAS = Pattern.compile("MALLOC_ARENA_MAX=\"?([0-9]+)\"?");

  ImageFlags {
    javaToolOptions = List.copyOf(javaToolOptions);
    env = Map.copyOf(env);
  }

  static ImageFlags fromDockerfile(Path dockerfile) throws IOException {
    String text = Files.readString(dockerfile);
    Matcher options = TOOL_OPTIONS.matcher(text);
    if (!options.find()) {
      throw new IllegalStateException("no JAVA_TOOL_OPTIONS=\"...\" in " + dockerfile);
    }
    Map<String, String> env = new LinkedHashMap<>();
    Matcher arenas = ARENAS.matcher(text);
    if (arenas.find()) {
      env.put("MALLOC_ARENA_MAX", arenas.group(1));
    }
    return new ImageFlags(List.of(options.group(1).trim().split("\\s+")), env);
  }
}
