package io.github.prefectecs.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.prefectecs.agent.ecs.DefaultNetwork;
import io.github.prefectecs.agent.support.Backoff;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** The EC2 Query API lookup against a loopback server answering with real EC2 XML bodies. */
@Timeout(30)
class Ec2QueryVpcLookupTest {
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
  private static final String NS = "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";
  private static final String FIX =
      "; set --subnet/--security-group or networkConfiguration in --run-task-kwargs";
  private static final String VPCS =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcsResponse "
          + NS
          + "><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId><vpcSet><item>"
          + "<vpcId>vpc-0a1b2c3d</vpcId><ownerId>123456789012</ownerId><state>available</state>"
          + "<cidrBlock>172.31.0.0/16</cidrBlock><cidrBlockAssociationSet><item>"
          + "<cidrBlock>172.31.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-1</associationId>"
          + "<cidrBlockState><state>associated</state></cidrBlockState></item>"
          + "</cidrBlockAssociationSet><dhcpOptionsId>dopt-1</dhcpOptionsId><tagSet/>"
          + "<instanceTenancy>default</instanceTenancy><isDefault>true</isDefault></item>"
          + "</vpcSet></DescribeVpcsResponse>";
  private static final String NO_VPCS =
      "<DescribeVpcsResponse " + NS + "><requestId>r</requestId><vpcSet/></DescribeVpcsResponse>";

  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger resolutions = new AtomicInteger();
  private final AwsCredentialsProvider credentials =
      () -> {
        resolutions.incrementAndGet();
        return AwsSessionCredentials.create("AKIDEXAMPLE", SECRET, TOKEN);
      };
  private Ec2QueryVpcLookup lookup;

  @BeforeEach
  void start() throws Exception {
    server.start();
    lookup = lookup(server.url("/").toString());
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private Ec2QueryVpcLookup lookup(String endpoint) {
    return new Ec2QueryVpcLookup(
        credentials,
        "eu-west-1",
        Map.of("AWS_ENDPOINT_URL_EC2", endpoint),
        Duration.ofSeconds(5),
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(5)));
  }

  private static String subnets(String nextToken, String... items) {
    StringBuilder xml =
        new StringBuilder("<DescribeSubnetsResponse " + NS + "><requestId>r</requestId>");
    xml.append("<subnetSet>");
    for (String item : items) {
      xml.append(item);
    }
    xml.append("</subnetSet>");
    if (nextToken != null) {
      xml.append("<nextToken>").append(nextToken).append("</nextToken>");
    }
    return xml.append("</DescribeSubnetsResponse>").toString();
  }

  private static String subnet(String id, String az, boolean defaultForAz, boolean publicIp) {
    return "<item><subnetId>"
        + id
        + "</subnetId><subnetArn>arn:aws:ec2:eu-west-1:123456789012:subnet/"
        + id
        + "</subnetArn><state>available</state><vpcId>vpc-0a1b2c3d</vpcId>"
        + "<cidrBlock>172.31.0.0/20</cidrBlock><ipv6CidrBlockAssociationSet/>"
        + "<availableIpAddressCount>4091</availableIpAddressCount><availabilityZone>"
        + az
        + "</availabilityZone><availabilityZoneId>euw1-az1</availabilityZoneId><defaultForAz>"
        + defaultForAz
        + "</defaultForAz><mapPublicIpOnLaunch>"
        + publicIp
        + "</mapPublicIpOnLaunch><tagSet><item><key>Name</key><value>subnet-shadow</value></item>"
        + "</tagSet></item>";
  }

  private static String error(String code, String message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
        + code
        + "</Code><Message>"
        + message
        + "</Message></Error></Errors><RequestID>ad4b1e05-EXAMPLE</RequestID></Response>";
  }

  private static MockResponse xml(int status, String body) {
    return new MockResponse().setResponseCode(status).setBody(body);
  }

  private static Map<String, String> form(RecordedRequest request) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : request.getBody().readUtf8().split("&")) {
      String[] kv = pair.split("=", 2);
      form.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return form;
  }

  private RecordedRequest next() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void readsTheDefaultVpcAndFollowsSubnetPagesWithSignedFormPosts() throws Exception {
    server.enqueue(xml(200, VPCS));
    server.enqueue(
        xml(200, subnets("page+2/token=", subnet("subnet-a", "eu-west-1a", true, true))));
    server.enqueue(xml(200, subnets(null, subnet("subnet-b", "eu-west-1b", false, false))));

    Optional<VpcLookup.DefaultVpc> vpc = lookup.defaultVpc();

    assertThat(vpc)
        .contains(
            new VpcLookup.DefaultVpc(
                "vpc-0a1b2c3d",
                List.of(
                    new VpcLookup.Subnet("subnet-a", "eu-west-1a", true, true),
                    new VpcLookup.Subnet("subnet-b", "eu-west-1b", false, false))));
    RecordedRequest vpcs = next();
    assertThat(vpcs.getMethod()).isEqualTo("POST");
    assertThat(vpcs.getPath()).isEqualTo("/");
    assertThat(vpcs.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    assertThat(vpcs.getHeader("Authorization"))
        .matches(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/ec2/aws4_request,"
                + " SignedHeaders=\\S*host\\S*, Signature=[0-9a-f]{64}");
    assertThat(vpcs.getHeader("X-Amz-Security-Token")).isEqualTo(TOKEN);
    assertThat(form(vpcs))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "Action", "DescribeVpcs",
                "Version", "2016-11-15",
                "Filter.1.Name", "isDefault",
                "Filter.1.Value.1", "true"));
    Map<String, String> first = form(next());
    assertThat(first)
        .containsEntry("Action", "DescribeSubnets")
        .containsEntry("Version", "2016-11-15")
        .containsEntry("Filter.1.Name", "vpc-id")
        .containsEntry("Filter.1.Value.1", "vpc-0a1b2c3d")
        .containsEntry("MaxResults", "1000")
        .doesNotContainKey("NextToken");
    assertThat(form(next())).containsEntry("NextToken", "page+2/token=");
    assertThat(resolutions).hasValue(3);
  }

  @Test
  void noDefaultVpcIsEmptyAndAsksNothingElse() {
    server.enqueue(xml(200, NO_VPCS));

    assertThat(lookup.defaultVpc()).isEmpty();
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  static Stream<Arguments> failures() {
    String denied = "You are not authorized to perform this operation.";
    return Stream.of(
        Arguments.of(
            List.of(xml(403, error("UnauthorizedOperation", denied))),
            "EC2 DescribeVpcs failed (UnauthorizedOperation: " + denied + ")",
            false),
        Arguments.of(
            List.of(xml(401, error("AuthFailure", "AWS was not able to validate the credentials"))),
            "EC2 DescribeVpcs failed (HTTP 401: AWS did not accept the agent's credentials)",
            false),
        Arguments.of(
            nTimes(xml(503, error("RequestLimitExceeded", "Request limit exceeded."))),
            "EC2 DescribeVpcs failed (RequestLimitExceeded: Request limit exceeded.) after 4"
                + " attempts",
            true),
        Arguments.of(
            nTimes(xml(400, error("Throttling", "Rate exceeded"))),
            "EC2 DescribeVpcs failed (Throttling: Rate exceeded) after 4 attempts",
            true),
        Arguments.of(
            nTimes(xml(502, "<html>Bad Gateway</html>")),
            "EC2 DescribeVpcs failed (HTTP 502) after 4 attempts",
            true),
        Arguments.of(
            List.of(xml(200, "{\"vpcs\": []}")),
            "EC2 DescribeVpcs failed (unexpected answer: answer is not XML: ",
            false),
        Arguments.of(
            List.of(
                xml(
                    200,
                    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM"
                        + " \"file:///etc/passwd\">]><DescribeVpcsResponse><vpcSet><item>"
                        + "<vpcId>&x;</vpcId></item></vpcSet></DescribeVpcsResponse>")),
            "EC2 DescribeVpcs failed (unexpected answer: answer is not XML: ",
            false),
        Arguments.of(
            List.of(
                xml(200, "<DescribeVpcsResponse><requestId>r</requestId></DescribeVpcsResponse>")),
            "EC2 DescribeVpcs failed (unexpected answer: answer <DescribeVpcsResponse> has no"
                + " <vpcSet>)",
            false));
  }

  private static List<MockResponse> nTimes(MockResponse response) {
    return java.util.Collections.nCopies(Ec2QueryVpcLookup.MAX_ATTEMPTS, response);
  }

  @ParameterizedTest
  @MethodSource("failures")
  void ec2FailuresBecomeOneLineErrorsRetriedOnlyWhenTransient(
      List<MockResponse> answers, String expected, boolean retried) {
    answers.forEach(server::enqueue);

    assertThatThrownBy(() -> lookup.defaultVpc())
        .isInstanceOf(VpcLookupException.class)
        .hasMessageStartingWith(expected)
        .satisfies(e -> assertThat(((VpcLookupException) e).retryable()).isEqualTo(retried))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", SECRET, TOKEN, "root:"));
    assertThat(server.getRequestCount()).isEqualTo(answers.size());
  }

  @Test
  void throttlingThenSuccessIsRetriedTransparently() {
    server.enqueue(xml(503, error("RequestLimitExceeded", "Request limit exceeded.")));
    server.enqueue(xml(200, NO_VPCS));

    assertThat(lookup.defaultVpc()).isEmpty();
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aDeniedLookupFailsInferenceWithTheDocumentedLine() {
    server.enqueue(xml(403, error("UnauthorizedOperation", "You are not authorized.")));

    assertThatThrownBy(() -> DefaultNetwork.infer(lookup, List.of("sg-1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Failed to infer default networkConfiguration: EC2 DescribeVpcs failed"
                + " (UnauthorizedOperation: You are not authorized.)"
                + FIX);
  }

  @Test
  void inferencePrefersDefaultOrPublicSubnets() {
    server.enqueue(xml(200, VPCS));
    server.enqueue(
        xml(
            200,
            subnets(
                null,
                subnet("subnet-private", "eu-west-1a", false, false),
                subnet("subnet-public", "eu-west-1b", false, true))));

    var network = DefaultNetwork.infer(lookup, List.of("sg-1"));

    assertThat(network.toString())
        .isEqualTo(
            "{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-public\"],"
                + "\"securityGroups\":[\"sg-1\"],\"assignPublicIp\":\"ENABLED\"}}");
  }

  @Test
  void anUnreachableEndpointIsRetriedThenReportedWithoutSecrets() throws Exception {
    String url = server.url("/").toString();
    server.shutdown();

    assertThatThrownBy(() -> lookup(url).defaultVpc())
        .isInstanceOf(VpcLookupException.class)
        .hasMessageStartingWith("EC2 DescribeVpcs failed (cannot reach " + url + ": ")
        .hasMessageEndingWith(" after 4 attempts")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET, TOKEN));
    assertThat(resolutions).hasValue(Ec2QueryVpcLookup.MAX_ATTEMPTS);
  }

  @ParameterizedTest
  @CsvSource({
    "'', '', us-east-1, https://ec2.us-east-1.amazonaws.com/",
    "'', '', cn-north-1, https://ec2.cn-north-1.amazonaws.com.cn/",
    "'', http://localhost:5000/, us-east-1, http://localhost:5000/",
    "http://ec2.local:1/, http://localhost:5000, us-east-1, http://ec2.local:1/",
    "'  ', http://localhost:5000, eu-west-1, http://localhost:5000/",
  })
  void endpointComesFromTheServiceOverrideThenTheGlobalOneThenTheRegion(
      String ec2, String global, String region, String expected) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL_EC2", ec2);
    env.put("AWS_ENDPOINT_URL", global);

    assertThat(Ec2QueryVpcLookup.endpoint(env, region)).hasToString(expected);
  }
}
