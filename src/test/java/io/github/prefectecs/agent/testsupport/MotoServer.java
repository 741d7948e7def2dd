package io.github.prefectecs.agent.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The moto AWS emulator in server mode on a free loopback port, for integration tests. The
 * executable is {@code $MOTO_SERVER} (set by {@code scripts/test}), else {@code
 * .venv/bin/moto_server} under the working directory, else {@code moto_server} on the PATH.
 *
 * <p>Use one per test class: {@link #start()} in {@code @BeforeAll}, {@link #close()} in
 * {@code @AfterAll}, {@link #reset()} between tests.
 */
public final class MotoServer implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(60);
  private final Process process;
  private final URI endpoint;
  private final HttpClient http = HttpClient.newHttpClient();

  private MotoServer(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts moto and waits until {@code GET /moto-api/} answers. */
  public static MotoServer start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path log = Files.createTempFile("moto", ".log");
    Process process =
        new ProcessBuilder(executable(), "-H", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port));
    server.awaitReady(log);
    return server;
  }

  static String executable() {
    String env = System.getenv("MOTO_SERVER");
    if (env != null && !env.isBlank()) {
      return env;
    }
    Path local = Path.of(".venv", "bin", "moto_server");
    if (Files.isExecutable(local)) {
      return local.toAbsolutePath().toString();
    }
    return "moto_server";
  }

  private void awaitReady(Path log) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(STARTUP);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "moto_server exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    close();
    throw new IllegalStateException("moto_server did not answer within " + STARTUP);
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Forgets every resource ({@code POST /moto-api/reset}). */
  public void reset() throws IOException, InterruptedException {
    post("/moto-api/reset", "");
  }

  /**
   * Sets how moto's ECS tasks move through their states, e.g. {@code {"progression": "manual",
   * "times": 1000000}} to keep them RUNNING.
   */
  public void setTaskTransition(String transitionJson) throws IOException, InterruptedException {
    post(
        "/moto-api/state-manager/set-transition",
        "{\"model_name\": \"ecs::task\", \"transition\": " + transitionJson + "}");
  }

  private void post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(endpoint.resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          path + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  public EcsClient ecs() {
    return pointedAtMoto(EcsClient.builder());
  }

  public Ec2Client ec2() {
    return pointedAtMoto(Ec2Client.builder());
  }

  public CloudWatchLogsClient logs() {
    return pointedAtMoto(CloudWatchLogsClient.builder());
  }

  /** Any SDK client builder, with the one HTTP client, moto's endpoint and fake credentials. */
  private <B extends AwsSyncClientBuilder<B, C> & AwsClientBuilder<B, C>, C> C pointedAtMoto(
      B builder) {
    return builder
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(MotoServer::retries)
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials())
        .build();
  }

  private static void retries(ClientOverrideConfiguration.Builder builder) {
    builder.retryStrategy(RetryMode.STANDARD);
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
  }

  /** Stops the emulator process. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
