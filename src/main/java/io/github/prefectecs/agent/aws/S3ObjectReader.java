package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.HttpStatuses;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Reads one S3 object with a SigV4-signed GET, without the S3 SDK module: the SDK's own signer (via
 * {@link SignedHttp}) and the shared HTTP client. The endpoint comes from {@code
 * AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL} (path-style), else the regional
 * virtual-hosted endpoint.
 *
 * <p>Thread-safe. A failure is an {@link S3ReadException} that says whether it is worth trying
 * again.
 */
public final class S3ObjectReader {
  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private final SignedHttp signed;
  private final String region;
  private final Map<String, String> environment;

  public S3ObjectReader(
      SdkHttpClient http,
      AwsCredentialsProvider credentials,
      String region,
      Map<String, String> environment) {
    this.signed = new SignedHttp(http, credentials, "s3", region);
    this.region = region;
    this.environment = Map.copyOf(environment);
  }

  /**
   * The object at {@code location} ({@code s3://bucket/key}); {@code what} names it in messages.
   *
   * @throws S3ReadException for a malformed location or an S3 error answer
   */
  public byte[] read(String what, String location) throws IOException {
    URI uri = URI.create(location);
    String bucket = uri.getHost();
    String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (bucket == null || key.isEmpty()) {
      throw new S3ReadException(what + " " + location + ": expected s3://bucket/key", false);
    }
    SdkHttpFullRequest unsigned =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(objectUri(bucket, key))
            .putHeader("x-amz-content-sha256", EMPTY_SHA256)
            .build();
    SignedHttp.Response response = signed.send(unsigned, null);
    byte[] bytes = response.body();
    int status = response.status();
    if (status / 100 != 2) {
      String code = s3Code(bytes);
      String message = what + " " + location + ": S3 answered HTTP " + status + code;
      throw new S3ReadException(
          message, HttpStatuses.isTransient(status) || code.contains("SlowDown"));
    }
    return bytes;
  }

  private URI objectUri(String bucket, String key) {
    String encodedKey =
        URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    Optional<String> endpoint = SignedHttp.endpointOverride(environment, "S3");
    if (endpoint.isPresent()) {
      return URI.create(endpoint.get() + "/" + bucket + "/" + encodedKey);
    }
    return URI.create("https://" + bucket + ".s3." + region + ".amazonaws.com/" + encodedKey);
  }

  private static String s3Code(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    int start = text.indexOf("<Code>");
    int end = text.indexOf("</Code>");
    return start >= 0 && end > start ? " (" + text.substring(start + 6, end) + ")" : "";
  }

  /** S3 refused or failed a read; {@link #retryable()} when a later try may succeed. */
  public static final class S3ReadException extends RuntimeException {
    private final boolean retryable;

    S3ReadException(String message, boolean retryable) {
      super(message);
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }
}
