package io.github.prefectecs.agent.aws;

import io.github.prefectecs.agent.support.Backoff;
import io.github.prefectecs.agent.support.Messages;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Looks up the default VPC with two read calls of the EC2 Query API (DescribeVpcs, then
 * DescribeSubnets page by page), POSTed form-encoded and SigV4-signed, so the agent needs no EC2
 * SDK module. The endpoint is {@code AWS_ENDPOINT_URL_EC2}, else {@code AWS_ENDPOINT_URL}, else the
 * regional one. Throttling, 5xx answers and connection failures are retried with backoff.
 *
 * <p>Thread-safe; each lookup opens and closes its own HTTP client.
 */
public final class Ec2QueryVpcLookup implements VpcLookup {
  private static final Logger log = LoggerFactory.getLogger(Ec2QueryVpcLookup.class);
  static final String API_VERSION = "2016-11-15";
  static final int MAX_ATTEMPTS = 4;
  static final int PAGE_SIZE = 1000;
  private static final int MAX_PAGES = 1000;
  private static final int MAX_MESSAGE = 300;
  private static final Set<String> THROTTLING = Set.of("RequestLimitExceeded", "Throttling");

  private final AwsCredentialsProvider credentials;
  private final String region;
  private final URI endpoint;
  private final Duration timeout;
  private final Backoff backoff;

  /**
   * @param credentials resolved again for every request
   * @param region the signing region, e.g. {@code us-east-1}
   * @param environment the process environment (endpoint overrides)
   * @param timeout connect and read timeout of each request
   * @param backoff delays between retries
   */
  public Ec2QueryVpcLookup(
      AwsCredentialsProvider credentials,
      String region,
      Map<String, String> environment,
      Duration timeout,
      Backoff backoff) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("EC2 region must not be blank");
    }
    this.region = region;
    this.endpoint = endpoint(environment, region);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
  }

  /** A lookup with the process environment, a 10 s timeout and 0.5-5 s backoff. */
  public static Ec2QueryVpcLookup create(AwsCredentialsProvider credentials, String region) {
    return new Ec2QueryVpcLookup(
        credentials,
        region,
        System.getenv(),
        Duration.ofSeconds(10),
        new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5)));
  }

  /** The EC2 endpoint: the override from the environment, else the region's public endpoint. */
  static URI endpoint(Map<String, String> environment, String region) {
    String base =
        SignedHttp.endpointOverride(environment, "EC2")
            .orElseGet(
                () ->
                    "https://ec2."
                        + region
                        + (region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com"));
    return URI.create(base + "/");
  }

  @Override
  public Optional<DefaultVpc> defaultVpc() {
    try (SdkHttpClient http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(timeout)
            .socketTimeout(timeout)
            .build()) {
      SignedHttp signed = new SignedHttp(http, credentials, "ec2", region);
      List<Element> vpcs =
          call(signed, "DescribeVpcs", "vpcSet", filter("isDefault", "true")).items();
      if (vpcs.isEmpty()) {
        return Optional.empty();
      }
      String vpcId =
          Ec2Xml.text(vpcs.get(0), "vpcId")
              .filter(id -> !id.isBlank())
              .orElseThrow(() -> unexpected("DescribeVpcs", "a VPC item has no <vpcId>"));
      return Optional.of(new DefaultVpc(vpcId, subnets(signed, vpcId)));
    }
  }

  /**
   * Whether EC2 knows subnet {@code id} in this region (false for a NotFound or Malformed answer).
   *
   * @throws VpcLookupException when EC2 cannot be asked or answers with another error
   */
  public boolean subnetExists(String id) {
    return exists("DescribeSubnets", "subnetSet", "SubnetId.1", id);
  }

  /** As {@link #subnetExists}, for a security group id ({@code sg-...}). */
  public boolean securityGroupExists(String id) {
    return exists("DescribeSecurityGroups", "securityGroupInfo", "GroupId.1", id);
  }

  private boolean exists(String action, String set, String parameter, String id) {
    try (SdkHttpClient http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(timeout)
            .socketTimeout(timeout)
            .build()) {
      SignedHttp signed = new SignedHttp(http, credentials, "ec2", region);
      return !call(signed, action, set, parameter + "=" + encode(id)).items().isEmpty();
    } catch (VpcLookupException e) {
      String message = e.getMessage();
      if (message.contains(".NotFound") || message.contains(".Malformed")) {
        return false;
      }
      throw e;
    }
  }

  private List<Subnet> subnets(SignedHttp signed, String vpcId) {
    List<Subnet> subnets = new ArrayList<>();
    String base = filter("vpc-id", vpcId) + "&MaxResults=" + PAGE_SIZE;
    String token = null;
    for (int pages = 0; pages < MAX_PAGES; pages++) {
      String form = token == null ? base : base + "&NextToken=" + encode(token);
      Ec2Xml.Page page = call(signed, "DescribeSubnets", "subnetSet", form);
      for (Element item : page.items()) {
        String id =
            Ec2Xml.text(item, "subnetId")
                .filter(s -> !s.isBlank())
                .orElseThrow(
                    () -> unexpected("DescribeSubnets", "a subnet item has no <subnetId>"));
        subnets.add(
            new Subnet(
                id,
                Ec2Xml.text(item, "availabilityZone").orElse(""),
                Ec2Xml.flag(item, "defaultForAz"),
                Ec2Xml.flag(item, "mapPublicIpOnLaunch")));
      }
      token = page.nextToken().orElse(null);
      if (token == null) {
        return subnets;
      }
    }
    throw unexpected("DescribeSubnets", "more than " + MAX_PAGES + " pages of subnets");
  }

  /** One action, retried while the failure is retryable and attempts remain. */
  private Ec2Xml.Page call(SignedHttp signed, String action, String set, String parameters) {
    byte[] form =
        ("Action=" + action + "&Version=" + API_VERSION + "&" + parameters)
            .getBytes(StandardCharsets.UTF_8);
    for (int attempt = 0; ; attempt++) {
      try {
        return once(signed, action, set, form);
      } catch (VpcLookupException e) {
        if (!e.retryable() || attempt + 1 >= MAX_ATTEMPTS) {
          throw attempt == 0
              ? e
              : new VpcLookupException(
                  e.getMessage() + " after " + (attempt + 1) + " attempts", e.retryable(), e);
        }
        Duration delay = backoff.delay(attempt);
        log.warn("{}; retrying in {} ms", e.getMessage(), delay.toMillis());
        pause(action, delay);
      }
    }
  }

  private Ec2Xml.Page once(SignedHttp signed, String action, String set, byte[] form) {
    SdkHttpFullRequest request =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(endpoint)
            .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .putHeader("Content-Length", Integer.toString(form.length))
            .build();
    SignedHttp.Response response;
    try {
      response = signed.send(request, form);
    } catch (IOException e) {
      throw failure(action, "cannot reach " + endpoint + ": " + describe(e), true, e);
    } catch (SdkException e) {
      throw failure(action, Messages.firstLine(e.getMessage()), false, e);
    }
    int status = response.status();
    Optional<Ec2Xml.Fault> error = Ec2Xml.error(response.body());
    if (error.isPresent()) {
      String code = error.get().code();
      String message = error.get().message();
      String detail = message.isEmpty() ? code : code + ": " + message;
      throw failure(action, detail, THROTTLING.contains(code) || status >= 500, null);
    }
    if (status == 401) {
      // HttpURLConnection drops the body of a 401 to a streamed POST; EC2 sends AuthFailure.
      throw failure(action, "HTTP 401: AWS did not accept the agent's credentials", false, null);
    }
    if (status / 100 != 2) {
      throw failure(action, "HTTP " + status, status >= 500 || status == 429, null);
    }
    try {
      return Ec2Xml.page(response.body(), set);
    } catch (IllegalArgumentException e) {
      throw unexpected(action, e.getMessage());
    }
  }

  private void pause(String action, Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(action, "interrupted while waiting to retry", false, e);
    }
  }

  private static VpcLookupException failure(
      String action, String detail, boolean retryable, Throwable cause) {
    String line = Messages.firstLine(detail).strip();
    if (line.length() > MAX_MESSAGE) {
      line = line.substring(0, MAX_MESSAGE) + "...";
    }
    return new VpcLookupException("EC2 " + action + " failed (" + line + ")", retryable, cause);
  }

  private static VpcLookupException unexpected(String action, String detail) {
    return failure(action, "unexpected answer: " + detail, false, null);
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    String type = e.getClass().getSimpleName();
    return message == null || message.isBlank() ? type : type + ": " + message;
  }

  private static String filter(String name, String value) {
    return "Filter.1.Name=" + encode(name) + "&Filter.1.Value.1=" + encode(value);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
