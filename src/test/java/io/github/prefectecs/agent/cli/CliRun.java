package io.github.prefectecs.agent.cli;

import io.github.prefectecs.agent.Main;
import io.github.prefectecs.agent.config.AgentConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One in-process run of the command line with captured output and a recording starter. */
final class CliRun {
  final int exitCode;
  final String out;
  final String err;
  final List<AgentConfig> started;

  private CliRun(int exitCode, String out, String err, List<AgentConfig> started) {
    this.exitCode = exitCode;
    this.out = out;
    this.err = err;
    this.started = started;
  }

  static CliRun run(Map<String, String> env, Path home, String... args) {
    return run(env, home, config -> 0, args);
  }

  static CliRun run(Map<String, String> env, Path home, AgentStarter inner, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<AgentConfig> started = new ArrayList<>();
    AgentStarter recording =
        config -> {
          started.add(config);
          return inner.start(config);
        };
    int code =
        Main.execute(
            args,
            env,
            home,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            recording);
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), started);
  }

  AgentConfig config() {
    if (started.size() != 1) {
      throw new AssertionError("expected one agent start, got " + started.size() + "; err=" + err);
    }
    return started.get(0);
  }
}
