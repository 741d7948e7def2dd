package io.github.prefectecs.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decision whether a Testcontainers test can run, against a fake Docker Engine API on a unix
 * socket: an engine that answers but lacks images, with no registry reachable, is refused in
 * seconds; images present or a registry reachable let the test run.
 */
@Timeout(30)
class DockerProbeTest {
  private static final String IMAGE = "localstack/localstack:4.0.3";
  @TempDir Path dir;
  private ServerSocketChannel engine;
  private Thread serving;

  /** A Docker engine that answers /_ping and knows {@code images}. */
  private URI engine(Set<String> images) throws IOException {
    Path socket = dir.resolve("docker.sock");
    engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    engine.bind(UnixDomainSocketAddress.of(socket));
    serving =
        new Thread(
            () -> {
              while (engine.isOpen()) {
                try (SocketChannel client = engine.accept()) {
                  ByteBuffer in = ByteBuffer.allocate(4096);
                  client.read(in);
                  String request =
                      new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                  String path = request.substring(4, request.indexOf(' ', 4));
                  boolean known =
                      path.equals("/_ping")
                          || images.stream().anyMatch(i -> path.equals("/images/" + i + "/json"));
                  String body =
                      path.equals("/_ping")
                          ? "OK"
                          : known ? "{}" : "{\"message\":\"No such image\"}";
                  client.write(
                      ByteBuffer.wrap(
                          ("HTTP/1.0 " + (known ? "200 OK" : "404 Not Found") + "\r\n\r\n" + body)
                              .getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                  return;
                }
              }
            });
    serving.setDaemon(true);
    serving.start();
    return URI.create("unix://" + socket);
  }

  @AfterEach
  void stop() throws IOException {
    if (engine != null) {
      engine.close();
    }
  }

  private static InetSocketAddress unreachableRegistry() throws IOException {
    try (ServerSocket closed = new ServerSocket(0)) {
      return new InetSocketAddress("127.0.0.1", closed.getLocalPort());
    }
  }

  @Test
  void anEngineThatLacksTheImagesAndReachesNoRegistryIsRefusedInSeconds() throws IOException {
    DockerProbe probe = new DockerProbe(engine(Set.of()), Map.of(), unreachableRegistry(), true);

    long started = System.nanoTime();
    Optional<String> why = probe.whyNot(IMAGE);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(why)
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .contains(IMAGE, DockerProbe.RYUK, DockerProbe.TINY, "no image registry")
                    .contains("scripts/image-test"));
  }

  @Test
  void withTheImagesPresentAndRyukAndChecksOffTheTestRuns() throws IOException {
    DockerProbe probe =
        new DockerProbe(
            engine(Set.of(IMAGE)),
            Map.of(
                "TESTCONTAINERS_RYUK_DISABLED", "true",
                "TESTCONTAINERS_CHECKS_DISABLE", "true",
                "TESTCONTAINERS_HOST_OVERRIDE", "localhost"),
            unreachableRegistry(),
            true);

    assertThat(probe.whyNot(IMAGE)).isEmpty();
  }

  @Test
  void aReachableRegistryLetsTheTestPullWhatItLacks() throws IOException {
    try (ServerSocket registry = new ServerSocket(0)) {
      DockerProbe probe =
          new DockerProbe(
              engine(Set.of()),
              Map.of(),
              new InetSocketAddress("127.0.0.1", registry.getLocalPort()),
              false);

      assertThat(probe.whyNot(IMAGE)).isEmpty();
    }
  }

  @Test
  void anEngineThatDoesNotAnswerIsRefused() {
    DockerProbe probe =
        new DockerProbe(
            URI.create("unix://" + dir.resolve("absent.sock")),
            Map.of(),
            InetSocketAddress.createUnresolved("registry.invalid", 443),
            false);

    assertThat(probe.whyNot(IMAGE))
        .hasValueSatisfying(w -> assertThat(w).contains("does not answer"));
  }
}
