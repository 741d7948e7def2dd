package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Prefect Cloud paths the Server double cannot produce, against MockWebServer. */
@Timeout(30)
class GraphqlPrefectApiCloudIT {
  private static final String KEY = "pcu_CLOUDKEY987";
  private static final String TOKEN = "RUNNERTOKEN555";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MockWebServer cloud;

  @BeforeEach
  void start() throws Exception {
    cloud = new MockWebServer();
    cloud.start();
  }

  @AfterEach
  void stop() throws Exception {
    cloud.shutdown();
  }

  private GraphqlPrefectApi api(Backend backend, Secret key, Secret token, String tenant) {
    PrefectApiSettings settings =
        PrefectApiSettings.of(
                cloud.url("/graphql/").uri(),
                backend,
                key,
                token,
                tenant,
                Duration.ofSeconds(5),
                "0.15.13")
            .withRetries(
                3, new Backoff(Duration.ofMillis(5), Duration.ofMillis(20)), Duration.ofMillis(5));
    return new GraphqlPrefectApi(settings, new OkHttpClient(), Clock.systemUTC());
  }

  private void answer(String json) {
    cloud.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(json));
  }

  private RecordedRequest taken() throws InterruptedException {
    return cloud.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void apiKeyTenantLookupThenTenantHeader() throws Exception {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), null);
    answer("{\"data\":{\"auth_info\":{\"tenant_id\":\"t-1\"}}}");
    answer("{\"data\":{\"hello\":\"hi\"}}");

    assertThat(api.defaultTenantId()).isEqualTo("t-1");
    api.hello();

    RecordedRequest lookup = taken();
    RecordedRequest hello = taken();
    assertThat(lookup.getPath()).isEqualTo("/graphql");
    assertThat(MAPPER.readTree(lookup.getBody().readUtf8()).path("query").asText())
        .isEqualTo("query { auth_info { tenant_id } }");
    assertThat(lookup.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
    assertThat(lookup.getHeader("X-PREFECT-TENANT-ID")).isNull();
    assertThat(hello.getHeader("X-PREFECT-TENANT-ID")).isEqualTo("t-1");
    assertThat(hello.getHeader("X-PREFECT-CORE-VERSION")).isEqualTo("0.15.13");
  }

  @Test
  void tokenWithoutKeyIsTheBearerAndSendsNoTenant() throws Exception {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.empty(), Secret.of(TOKEN), "t-9");
    answer("{\"data\":{\"hello\":\"hi\"}}");

    api.hello();

    RecordedRequest request = taken();
    assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.getHeader("X-PREFECT-TENANT-ID")).isNull();
  }

  @Test
  void nullTenantMeansATokenWasUsedAsAKey() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), null);
    answer("{\"data\":{\"auth_info\":{\"tenant_id\":null}}}");

    PrefectApiException error =
        catchThrowableOfType(api::defaultTenantId, PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.UNAUTHENTICATED);
    assertThat(error.getMessage()).contains("API token was used as an API key").doesNotContain(KEY);
  }

  @Test
  void emptyTenantIsAnUnexpectedResponse() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), null);
    answer("{\"data\":{\"auth_info\":{\"tenant_id\":\"\"}}}");

    PrefectApiException error =
        catchThrowableOfType(api::defaultTenantId, PrefectApiException.class);

    assertThat(error.getMessage())
        .startsWith("Unexpected response from the API while querying for the default tenant");
  }

  @Test
  void serverWithoutTenantsSaysHowToCreateOne() {
    GraphqlPrefectApi api = api(Backend.SERVER, Secret.empty(), Secret.empty(), null);
    answer("{\"data\":{\"tenant\":[]}}");

    PrefectApiException error =
        catchThrowableOfType(api::defaultTenantId, PrefectApiException.class);

    assertThat(error.getMessage())
        .isEqualTo(
            "Your Prefect Server instance has no tenants. Create a tenant with"
                + " `prefect server create-tenant`");
  }

  @Test
  void configuredTenantIsUsedWithoutAsking() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), "t-conf");

    assertThat(api.defaultTenantId()).isEqualTo("t-conf");
    assertThat(cloud.getRequestCount()).isZero();
  }

  @Test
  void readsTheTokenScope() throws Exception {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.empty(), Secret.of(TOKEN), null);
    answer("{\"data\":{\"auth_info\":{\"api_token_scope\":\"RUNNER\"}}}");

    assertThat(api.apiTokenScope()).isEqualTo("RUNNER");
    assertThat(MAPPER.readTree(taken().getBody().readUtf8()).path("query").asText())
        .isEqualTo("query { auth_info { api_token_scope } }");
  }

  @Test
  void unauthenticatedGraphqlErrorIsTyped() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), "t");
    answer("{\"errors\":[{\"message\":\"UNAUTHENTICATED: Invalid API key\"}],\"data\":null}");

    PrefectApiException error = catchThrowableOfType(api::hello, PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.UNAUTHENTICATED);
    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).doesNotContain(KEY);
  }

  @Test
  void versionLockingErrorIsTypedPerItem() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), "t");
    answer(
        "{\"data\":{\"a0\":{\"states\":[{\"id\":\"r1\",\"status\":\"SUCCESS\",\"message\":null}]},"
            + "\"a1\":null},\"errors\":[{\"message\":\"Version locking error\",\"path\":[\"a1\"],"
            + "\"extensions\":{\"code\":\"VERSION_LOCKING_ERROR\"}}]}");

    List<UpdateResult> results =
        api.setFlowRunStates(
            List.of(
                new StateUpdate("r1", 1, PrefectStates.failed("x")),
                new StateUpdate("r2", 1, PrefectStates.failed("y"))));

    assertThat(results.get(0).isOk()).isTrue();
    assertThat(results.get(1).error().kind()).isEqualTo(Kind.VERSION_LOCK);
  }

  @Test
  void apiErrorIsResent() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), "t");
    String apiError =
        "{\"data\":null,\"errors\":[{\"message\":\"boom\",\"extensions\":{\"code\":\"API_ERROR\"}}]}";
    answer(apiError);
    answer(apiError);
    answer("{\"data\":{\"hello\":\"hi\"}}");

    api.hello();

    assertThat(cloud.getRequestCount()).isEqualTo(3);
  }

  @Test
  void malformedCloudAnswerWithoutCredentialsHintsAtAuthentication() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.empty(), Secret.empty(), "t");
    for (int i = 0; i < 3; i++) {
      cloud.enqueue(new MockResponse().setBody("<html>login</html>"));
    }

    PrefectApiException error = catchThrowableOfType(api::hello, PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.MALFORMED);
    assertThat(error.getMessage()).contains("authenticated");
    assertThat(cloud.getRequestCount()).isEqualTo(3);
  }

  @Test
  void retryAfterAsAnHttpDateIsHonoured() {
    GraphqlPrefectApi api = api(Backend.CLOUD, Secret.of(KEY), Secret.empty(), "t");
    cloud.enqueue(
        new MockResponse()
            .setResponseCode(429)
            .setHeader("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));
    answer("{\"data\":{\"hello\":\"hi\"}}");

    api.hello();

    assertThat(cloud.getRequestCount()).isEqualTo(2);
  }
}
