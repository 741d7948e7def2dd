package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.AwsSecretCredentials;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.metrics.AwsRequestMetrics;
import io.github.prefectecs.agent.support.TokenBucket;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Builds the agent's AWS clients (ECS, CloudWatch Logs) and its default-VPC lookup: the
 * URLConnection HTTP client set explicitly, the STANDARD retry mode (throttling retried with
 * backoff; {@code AWS_MAX_ATTEMPTS} still applies), credentials from {@code
 * context.secrets.AWS_CREDENTIALS} when configured, else the default chain. Region and endpoint
 * come from the standard AWS environment ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL}, {@code
 * AWS_ENDPOINT_URL_ECS}, ...), which the SDK reads itself.
 *
 * <p>The caller owns and closes the clients.
 */
public final class AwsClients {
  /** The longest one attempt of a CloudWatch Logs call of the log forwarder may take. */
  static final Duration LOGS_ATTEMPT_TIMEOUT = Duration.ofSeconds(20);

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

  /**
   * An ECS client whose attempts feed {@code limits}: throttled attempts (also those the SDK
   * retries) lower the adaptive rates, and each SDK retry takes a token of its API family.
   */
  public static EcsClient ecs(AgentConfig config, EcsRateLimits limits) {
    ThrottleInterceptor interceptor = new ThrottleInterceptor(limits);
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(b -> retries(b.addExecutionInterceptor(interceptor)))
        .credentialsProvider(credentials(config))
        .build();
  }

  public static EcsClient ecs(AgentConfig config) {
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(AwsClients::retries)
        .credentialsProvider(credentials(config))
        .build();
  }

  /**
   * The default-VPC lookup over the EC2 Query API, signed for {@code region} with {@link
   * #credentials(AgentConfig)} (resolved per request).
   */
  public static VpcLookup vpcLookup(AgentConfig config, String region) {
    return Ec2QueryVpcLookup.create(credentials(config), region);
  }

  /**
   * Resolves the region as the clients will (environment, profile, instance metadata); throws the
   * SDK's {@link software.amazon.awssdk.core.exception.SdkClientException} ("Unable to load
   * region") when there is none, before anything else starts.
   */
  public static void requireRegion() {
    new software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain().getRegion();
  }

  /** The region of an ECS client, else {@code AWS_REGION}, else {@code us-east-1}. */
  public static String region(EcsClient ecs) {
    try {
      return ecs.serviceClientConfiguration().region().id();
    } catch (RuntimeException e) {
      String env = System.getenv("AWS_REGION");
      return env == null || env.isBlank() ? "us-east-1" : env;
    }
  }

  public static CloudWatchLogsClient logs(AgentConfig config) {
    return CloudWatchLogsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(AwsClients::retries)
        .credentialsProvider(credentials(config))
        .build();
  }

  /**
   * As {@link #ecs(AgentConfig, EcsRateLimits)}, also counting every attempt in {@code metrics}.
   */
  public static EcsClient ecs(AgentConfig config, EcsRateLimits limits, AgentMetrics metrics) {
    ThrottleInterceptor interceptor = new ThrottleInterceptor(limits);
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(b -> metered(b.addExecutionInterceptor(interceptor), metrics))
        .credentialsProvider(credentials(config))
        .build();
  }

  /** As {@link #ecs(AgentConfig)}, counting every attempt in {@code metrics}. */
  public static EcsClient ecs(AgentConfig config, AgentMetrics metrics) {
    return EcsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(b -> metered(b, metrics))
        .credentialsProvider(credentials(config))
        .build();
  }

  /**
   * The log forwarder's CloudWatch Logs client: every attempt counted in {@code metrics} ({@code
   * prefect_ecs_agent_aws_requests_total{api="FilterLogEvents",...}}), and its FilterLogEvents
   * attempts fed to {@code filterLogEvents} as the ECS client's feed its buckets: throttled
   * attempts (also those the SDK retries) lower its rate, and each SDK retry takes a token.
   */
  public static CloudWatchLogsClient logs(
      AgentConfig config, TokenBucket filterLogEvents, AgentMetrics metrics) {
    ThrottleInterceptor interceptor =
        new ThrottleInterceptor(
            (operation, request) ->
                "FilterLogEvents".equals(operation) ? List.of(filterLogEvents) : List.of());
    return CloudWatchLogsClient.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(
            b ->
                metered(
                    // A read that hangs must not hold the forwarder (or the agent's stop) long.
                    b.addExecutionInterceptor(interceptor)
                        .apiCallAttemptTimeout(LOGS_ATTEMPT_TIMEOUT),
                    metrics))
        .credentialsProvider(credentials(config))
        .build();
  }

  private static void metered(ClientOverrideConfiguration.Builder builder, AgentMetrics metrics) {
    retries(builder);
    builder.addMetricPublisher(new AwsRequestMetrics(metrics));
  }

  private static void retries(ClientOverrideConfiguration.Builder builder) {
    builder.retryStrategy(RetryMode.STANDARD);
  }
}
