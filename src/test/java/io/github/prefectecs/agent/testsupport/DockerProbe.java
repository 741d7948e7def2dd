package io.github.prefectecs.agent.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Decides in seconds whether a Testcontainers test can run here, before Testcontainers is asked
 * (which, on a machine whose Docker engine runs but cannot pull, retries pulls for minutes): the
 * engine answers {@code /_ping}; every image the test needs is present, or a registry answers.
 * Which images: the test's own, Ryuk's unless {@code TESTCONTAINERS_RYUK_DISABLED=true}, and the
 * tiny image of the start-up checks (and of the gateway lookup inside a container) unless {@code
 * TESTCONTAINERS_CHECKS_DISABLE=true} and {@code TESTCONTAINERS_HOST_OVERRIDE} is set. Talks to the
 * Docker Engine API itself (unix socket or {@code tcp://}), each question bounded by two seconds.
 *
 * <p>Thread-safe; stateless apart from its settings.
 */
public final class DockerProbe {
  /** What Testcontainers 1.20.4 pulls for Ryuk. */
  static final String RYUK = "testcontainers/ryuk:0.11.0";

  /** What Testcontainers 1.20.4 pulls for its start-up checks and gateway lookup. */
  static final String TINY = "alpine:3.17";

  private static final Duration ASK = Duration.ofSeconds(2);

  private final URI engine;
  private final Map<String, String> env;
  private final InetSocketAddress registry;
  private final boolean insideContainer;

  DockerProbe(
      URI engine, Map<String, String> env, InetSocketAddress registry, boolean insideContainer) {
    this.engine = engine;
    this.env = env;
    this.registry = registry;
    this.insideContainer = insideContainer;
  }

  /** A probe of this machine's engine ({@code DOCKER_HOST}, else the usual sockets). */
  public static Optional<DockerProbe> here() {
    Map<String, String> env = System.getenv();
    String host = env.get("DOCKER_HOST");
    URI engine = null;
    if (host != null && !host.isBlank()) {
      engine = URI.create(host);
    } else {
      for (Path socket :
          List.of(
              Path.of("/var/run/docker.sock"),
              Path.of(System.getProperty("user.home"), ".docker/run/docker.sock"))) {
        if (Files.exists(socket)) {
          engine = URI.create("unix://" + socket);
          break;
        }
      }
    }
    if (engine == null) {
      return Optional.empty();
    }
    return Optional.of(
        new DockerProbe(
            engine,
            env,
            InetSocketAddress.createUnresolved("registry-1.docker.io", 443),
            Files.exists(Path.of("/.dockerenv"))));
  }

  /**
   * Why a test needing {@code image} cannot run here, or empty when it can. Never takes much more
   * than a few seconds.
   */
  public Optional<String> whyNot(String image) {
    if (!"OK".equals(get("/_ping").orElse(null))) {
      return Optional.of("the Docker engine at " + engine + " does not answer");
    }
    List<String> missing = new ArrayList<>();
    for (String needed : needed(image)) {
      if (get("/images/" + needed + "/json").isEmpty()) {
        missing.add(needed);
      }
    }
    if (missing.isEmpty() || registryAnswers()) {
      return Optional.empty();
    }
    return Optional.of(
        "the Docker engine lacks "
            + String.join(", ", missing)
            + " and no image registry answers ("
            + registry.getHostString()
            + "); scripts/image-test builds the LocalStack stand-in and runs this test with"
            + " TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_CHECKS_DISABLE=true"
            + " TESTCONTAINERS_HOST_OVERRIDE=localhost");
  }

  List<String> needed(String image) {
    List<String> needed = new ArrayList<>(List.of(image));
    if (!"true".equalsIgnoreCase(env.get("TESTCONTAINERS_RYUK_DISABLED"))) {
      needed.add(RYUK);
    }
    boolean checks = !"true".equalsIgnoreCase(env.get("TESTCONTAINERS_CHECKS_DISABLE"));
    boolean gatewayLookup = insideContainer && env.get("TESTCONTAINERS_HOST_OVERRIDE") == null;
    if (checks || gatewayLookup) {
      needed.add(TINY);
    }
    return needed;
  }

  private boolean registryAnswers() {
    try (Socket socket = new Socket()) {
      InetSocketAddress resolved =
          new InetSocketAddress(registry.getHostString(), registry.getPort());
      if (resolved.isUnresolved()) {
        return false;
      }
      socket.connect(resolved, (int) ASK.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The body of a 200 answer to {@code GET path}; empty for any other answer or none in time. */
  Optional<String> get(String path) {
    try {
      if ("unix".equals(engine.getScheme())) {
        CompletableFuture<Optional<String>> answer =
            CompletableFuture.supplyAsync(() -> unixGet(Path.of(engine.getPath()), path));
        return answer.get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      }
      URI http = URI.create("http://" + engine.getHost() + ":" + engine.getPort() + path);
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(ASK)
              .build()
              .send(
                  HttpRequest.newBuilder(http).timeout(ASK).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> unixGet(Path socket, String path) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(
          ByteBuffer.wrap(
              ("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (channel.read(buffer) > 0) {
        read.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      String answer = read.toString(StandardCharsets.UTF_8);
      int end = answer.indexOf("\r\n\r\n");
      if (!answer.startsWith("HTTP/1.") || end < 0 || !answer.substring(9, 12).equals("200")) {
        return Optional.empty();
      }
      return Optional.of(answer.substring(end + 4));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
