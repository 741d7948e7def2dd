package io.github.prefectecs.agent.ecs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Reads one S3 object with a SigV4-signed GET, without the S3 SDK module: the SDK's own signer and
 * the shared HTTP client. The endpoint comes from {@code AWS_ENDPOINT_URL_S3}, else {@code
 * AWS_ENDPOINT_URL} (path-style), else the regional virtual-hosted endpoint.
 *
 * <p>Thread-safe.
 */
final class S3ObjectReader {
  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final Map<String, String> environment;

  S3ObjectReader(
      SdkHttpClient http,
      AwsCredentialsProvider credentials,
      String region,
      Map<String, String> environment) {
    this.http = http;
    this.credentials = credentials;
    this.region = region;
    this.environment = Map.copyOf(environment);
  }

  byte[] read(String what, String location) throws IOException {
    URI uri = URI.create(location);
    String bucket = uri.getHost();
    String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (bucket == null || key.isEmpty()) {
      throw EcsLaunchException.rejected(what + " " + location + ": expected s3://bucket/key");
    }
    SdkHttpFullRequest unsigned =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(objectUri(bucket, key))
            .putHeader("x-amz-content-sha256", EMPTY_SHA256)
            .build();
    SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(credentials.resolveCredentials())
                        .request(unsigned)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
    SdkHttpRequest request = signed.request();
    ExecutableHttpRequest call =
        http.prepareRequest(HttpExecuteRequest.builder().request(request).build());
    HttpExecuteResponse response = call.call();
    Optional<software.amazon.awssdk.http.AbortableInputStream> body = response.responseBody();
    byte[] bytes;
    try (InputStream in = body.isPresent() ? body.get() : InputStream.nullInputStream()) {
      bytes = in.readAllBytes();
    }
    int status = response.httpResponse().statusCode();
    if (status / 100 != 2) {
      throw EcsLaunchException.rejected(
          what + " " + location + ": S3 answered HTTP " + status + s3Code(bytes));
    }
    return bytes;
  }

  private URI objectUri(String bucket, String key) {
    String encodedKey =
        URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    String endpoint =
        environment.getOrDefault("AWS_ENDPOINT_URL_S3", environment.get("AWS_ENDPOINT_URL"));
    if (endpoint != null && !endpoint.isBlank()) {
      return URI.create(endpoint.replaceFirst("/+$", "") + "/" + bucket + "/" + encodedKey);
    }
    return URI.create("https://" + bucket + ".s3." + region + ".amazonaws.com/" + encodedKey);
  }

  private static String s3Code(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    int start = text.indexOf("<Code>");
    int end = text.indexOf("</Code>");
    return start >= 0 && end > start ? " (" + text.substring(start + 6, end) + ")" : "";
  }
}
