package io.github.prefectecs.agent.aws;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Sends one SigV4-signed request with the SDK's own signer over a given HTTP client, so an AWS call
 * needs no service SDK module (S3 GetObject, EC2 Query API). Credentials are resolved per request,
 * so rotating container credentials are picked up.
 *
 * <p>Thread-safe. The HTTP client belongs to the caller.
 */
final class SignedHttp {
  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final String service;
  private final String region;

  /** A response read whole: the HTTP status and the body bytes. */
  record Response(int status, byte[] body) {}

  SignedHttp(
      SdkHttpClient http, AwsCredentialsProvider credentials, String service, String region) {
    this.http = http;
    this.credentials = credentials;
    this.service = service;
    this.region = region;
  }

  /**
   * Signs and sends {@code unsigned} with {@code payload} (null for none) and reads the response.
   *
   * @throws IOException when the connection fails or times out
   */
  Response send(SdkHttpRequest unsigned, byte[] payload) throws IOException {
    ContentStreamProvider body =
        payload == null ? null : ContentStreamProvider.fromByteArray(payload);
    SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(credentials.resolveCredentials())
                        .request(unsigned)
                        .payload(body)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        // S3 object keys are signed as sent; other services only use "/".
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
    HttpExecuteRequest.Builder request = HttpExecuteRequest.builder().request(signed.request());
    signed.payload().ifPresent(request::contentStreamProvider);
    HttpExecuteResponse response = http.prepareRequest(request.build()).call();
    Optional<AbortableInputStream> stream = response.responseBody();
    try (InputStream in = stream.isPresent() ? stream.get() : InputStream.nullInputStream()) {
      return new Response(response.httpResponse().statusCode(), in.readAllBytes());
    }
  }

  /**
   * The endpoint override for a service from the standard AWS environment: {@code
   * AWS_ENDPOINT_URL_<SERVICE>}, else {@code AWS_ENDPOINT_URL}, without trailing slashes.
   */
  static Optional<String> endpointOverride(Map<String, String> environment, String serviceKey) {
    for (String name : new String[] {"AWS_ENDPOINT_URL_" + serviceKey, "AWS_ENDPOINT_URL"}) {
      String value = environment.get(name);
      if (value != null && !value.isBlank()) {
        return Optional.of(value.strip().replaceFirst("/+$", ""));
      }
    }
    return Optional.empty();
  }
}
