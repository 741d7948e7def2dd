package io.github.prefectecs.agent.testsupport;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
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
 * reachable, or one that lacks the images and reaches no registry, {@link #start()} aborts the
 * calling test with one assumption line instead of failing, decided in seconds. Offline, {@code
 * scripts/image-test} builds a stand-in under {@link #IMAGE} and sets the two Testcontainers
 * settings this needs (Ryuk and start-up checks off, host override). Close it to remove the
 * container: with Ryuk off nothing else does.
 */
public final class LocalStackLogs implements AutoCloseable {
  /** The image the test asks for; scripts/image-test builds a stand-in under this name offline. */
  public static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.0.3");

  private final LocalStackContainer container;

  private LocalStackLogs(LocalStackContainer container) {
    this.container = container;
  }

  /**
   * Why the test cannot run here (no Docker engine, or one that lacks the images and cannot pull
   * them), or empty when it can. Decided in seconds by {@link DockerProbe}, without asking
   * Testcontainers: its own check starts Ryuk and the start-up checks, which on an engine without a
   * registry retry pulls for minutes.
   */
  public static Optional<String> missingEngine() {
    Optional<DockerProbe> probe = DockerProbe.here();
    if (probe.isEmpty()) {
      return Optional.of("no Docker engine (no DOCKER_HOST, no /var/run/docker.sock)");
    }
    return probe.get().whyNot(IMAGE.asCanonicalNameString());
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
