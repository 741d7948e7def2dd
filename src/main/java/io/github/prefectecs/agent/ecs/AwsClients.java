package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.AwsSecretCredentials;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Builds the agent's AWS clients: the URLConnection HTTP client set explicitly, the STANDARD retry
 * mode (throttling retried with backoff; {@code AWS_MAX_ATTEMPTS} still applies), credentials from
 * {@code context.secrets.AWS_CREDENTIALS} when configured, else the default chain. Region and
 * endpoint come from the standard AWS environment ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_ECS}, ...), which the SDK reads itself.
 *
 * <p>The caller owns and closes the clients.
 */
public final class AwsClients {
  private AwsClients() {}

  /** The credentials the agent uses for every AWS call. */
  public static AwsCredentialsProvider credentials(AgentConfig config) {
    AwsSecretCredentials secret = config.awsCredentials();
    if (secret == null) {
      return DefaultCredentialsProvider.builder().build();
    }
    String key = secret.secretAccessKey().reveal();
    return StaticCredentialsProvider.create(
        secret.sessionToken().isPresent()
            ? AwsSessionCredentials.create(
                secret.accessKeyId(), key, secret.sessionToken().reveal())
            : AwsBasicCredentials.create(secret.accessKeyId(), key));
  }

  public static EcsClient ecs(AgentConfig config) {
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(AwsClients::retries)
        .credentialsProvider(credentials(config))
        .build();
  }

  public static Ec2Client ec2(AgentConfig config) {
    return Ec2Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(AwsClients::retries)
        .credentialsProvider(credentials(config))
        .build();
  }

  public static CloudWatchLogsClient logs(AgentConfig config) {
    return CloudWatchLogsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(AwsClients::retries)
        .credentialsProvider(credentials(config))
        .build();
  }

  private static void retries(ClientOverrideConfiguration.Builder builder) {
    builder.retryStrategy(RetryMode.STANDARD);
  }
}
