package io.github.prefectecs.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalDefaultsTest {
  private static final List<String> PRINT_SIGINT_HANDLER =
      List.of(
          "python3",
          "-c",
          "import signal; h = signal.getsignal(signal.SIGINT);"
              + " print('ignored' if h == signal.SIG_IGN else getattr(h, '__name__', h))");

  /** Runs {@code argv} from a shell that ignores SIGINT, as a background job's parent does. */
  private static String underIgnoredSigint(List<String> argv) throws Exception {
    List<String> command = new ArrayList<>(List.of("sh", "-c", "trap '' INT; exec \"$@\"", "sh"));
    command.addAll(argv);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Test
  void anIgnoredSigintIsInheritedWithoutTheResetAndDefaultWithIt() throws Exception {
    assertThat(underIgnoredSigint(PRINT_SIGINT_HANDLER)).isEqualTo("ignored");
    assertThat(underIgnoredSigint(SignalDefaults.withReset(PRINT_SIGINT_HANDLER)))
        .isEqualTo("default_int_handler");
  }

  @Test
  void argumentsPassThroughTheResetUnchanged() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                SignalDefaults.withReset(
                    List.of("python3", "-c", "import sys; print(sys.argv[1:])", "a b", "--c=d")))
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
        .isEqualTo("['a b', '--c=d']");
  }

  @Test
  void theEnvironmentPassesThroughTheResetUnchanged() throws Exception {
    ProcessBuilder b =
        new ProcessBuilder(SignalDefaults.withReset(List.of("/usr/bin/env")))
            .redirectErrorStream(true);
    b.environment().clear();
    b.environment().put("ONLY", "this");
    Process p = b.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
        .isEqualTo("ONLY=this");
  }

  @Test
  void thePythonFallbackResetsTooAndKeepsAnEnvironmentThatNamesItsLocale() throws Exception {
    List<String> printHandler = new ArrayList<>(SignalDefaults.pythonReset());
    printHandler.addAll(PRINT_SIGINT_HANDLER);
    assertThat(underIgnoredSigint(printHandler)).isEqualTo("default_int_handler");

    List<String> printEnv = new ArrayList<>(SignalDefaults.pythonReset());
    printEnv.add("/usr/bin/env");
    ProcessBuilder b = new ProcessBuilder(printEnv).redirectErrorStream(true);
    b.environment().clear();
    b.environment().put("LANG", "C.UTF-8");
    b.environment().put("ONLY", "this");
    Process p = b.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines())
        .containsExactlyInAnyOrder("LANG=C.UTF-8", "ONLY=this");
  }
}
