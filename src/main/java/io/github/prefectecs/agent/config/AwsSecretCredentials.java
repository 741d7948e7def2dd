package io.github.prefectecs.agent.config;

import java.util.Objects;

/**
 * AWS credentials from the Prefect secret {@code context.secrets.AWS_CREDENTIALS} (keys {@code
 * ACCESS_KEY}, {@code SECRET_ACCESS_KEY}, optional {@code SESSION_TOKEN}). When present they are
 * used instead of the default AWS credentials chain, as the reference agent does.
 */
public record AwsSecretCredentials(
    String accessKeyId, Secret secretAccessKey, Secret sessionToken) {
  public AwsSecretCredentials {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    Objects.requireNonNull(sessionToken, "sessionToken");
  }

  @Override
  public String toString() {
    return "AwsSecretCredentials[accessKeyId=***, secretAccessKey=***, sessionToken=***]";
  }
}
