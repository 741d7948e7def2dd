package io.github.prefectecs.agent.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * LocalStack started by Testcontainers' {@code LocalStackContainer}, for CloudWatch Logs tests (ECS
 * stays with moto: LocalStack's community build does not serve it). Where no Docker engine is
 * reachable, {@link #start()} aborts the calling test with one assumption line instead of failing.
 * Offline, {@code scripts/image-test} builds a stand-in under {@link #IMAGE} and sets the two
 * Testcontainers settings this needs (Ryuk and start-up checks off, host override). Close it to
 * remove the container: with Ryuk off nothing else does.
 */
public final class LocalStackLogs implements AutoCloseable {
  /** The image the test asks for; scripts/image-test builds a stand-in under this name offline. */
  public static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.0.3");

  private final LocalStackContainer container;

  private LocalStackLogs(LocalStackContainer container) {
    this.container = container;
  }

  /**
   * Why no Docker engine can be used, or empty when one answers. Checks the usual sockets before
   * asking Testcontainers, which would log a page of errors for an absent engine.
   */
  public static Optional<String> missingEngine() {
    boolean socket =
        System.getenv("DOCKER_HOST") != null
            || Files.exists(Path.of("/var/run/docker.sock"))
            || Files.exists(Path.of(System.getProperty("user.home"), ".docker/run/docker.sock"));
    if (!socket) {
      return Optional.of("no Docker engine (no DOCKER_HOST, no /var/run/docker.sock)");
    }
    if (!dockerAvailable()) {
      return Optional.of("the Docker engine does not answer");
    }
    return Optional.empty();
  }

  /** Starts LocalStack with CloudWatch Logs; the test is skipped when there is no Docker engine. */
  public static LocalStackLogs start() {
    Optional<String> missing = missingEngine();
    Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
    LocalStackContainer container =
        new LocalStackContainer(IMAGE)
            .withServices(LocalStackContainer.Service.CLOUDWATCHLOGS)
            .withStartupTimeout(Duration.ofMinutes(3));
    try {
      container.start();
    } catch (RuntimeException e) {
      container.close();
      throw e;
    }
    return new LocalStackLogs(container);
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A client for the container's CloudWatch Logs endpoint; the caller closes it. */
  public CloudWatchLogsClient logs() {
    return CloudWatchLogsClient.builder()
        .endpointOverride(container.getEndpoint())
        .region(Region.of(container.getRegion()))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(container.getAccessKey(), container.getSecretKey())))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  @Override
  public void close() {
    container.close();
  }
}
