package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.JsonTrees;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs GraphQL documents with the reference's headers, retrying 5xx, 408, 429, connection
 * failures, malformed bodies and Cloud {@code API_ERROR} answers a bounded number of times.
 *
 * <p>Thread-safe. Throws {@link PrefectApiException}; messages never contain credentials.
 */
final class GraphqlTransport {
  private static final Logger LOG = LoggerFactory.getLogger(GraphqlTransport.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /** Sleeps between attempts; tests may replace it. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final PrefectApiSettings settings;
  private final OkHttpClient client;
  private final OkHttpClient onceClient;
  private final HttpUrl url;
  private final String safeUrl;
  private final Clock clock;
  private final Sleeper sleeper;
  private final AtomicReference<String> agentId = new AtomicReference<>();
  private final AtomicReference<String> tenantId = new AtomicReference<>();

  GraphqlTransport(PrefectApiSettings settings, OkHttpClient shared, Clock clock, Sleeper sleeper) {
    this.settings = settings;
    this.clock = clock;
    this.sleeper = sleeper;
    this.client =
        shared
            .newBuilder()
            .connectTimeout(settings.requestTimeout())
            .readTimeout(settings.requestTimeout())
            .writeTimeout(settings.requestTimeout())
            // Connect, read and write timeouts bound each step, not a server that trickles its
            // answer: without a call timeout one such call would hang the poll loop for good.
            .callTimeout(callTimeout(settings.requestTimeout()))
            .build();
    // OkHttp re-sends a request whose pooled connection broke mid-way: not one sent at most once.
    this.onceClient = client.newBuilder().retryOnConnectionFailure(false).build();
    String text = settings.api().toString();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    HttpUrl parsed = HttpUrl.parse(text);
    if (parsed == null) {
      throw new IllegalArgumentException("cloud.api is not a valid URL: " + settings.api());
    }
    this.url = parsed;
    String url = parsed.newBuilder().username("").password("").query(null).build().toString();
    this.safeUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.tenantId.set(settings.tenantId());
  }

  /**
   * The bound of one HTTP attempt as a whole: connect, write and read, one request timeout each.
   */
  static Duration callTimeout(Duration requestTimeout) {
    return requestTimeout.multipliedBy(3);
  }

  /** Sends {@code X-PREFECT-AGENT-ID} on every later request. */
  void agentId(String id) {
    agentId.set(id);
  }

  /** The tenant sent as {@code X-PREFECT-TENANT-ID} (only with an API key). */
  void tenantId(String id) {
    tenantId.set(id);
  }

  String agentId() {
    return agentId.get();
  }

  /**
   * The response root ({@code data}, maybe {@code errors}) of a 200 answer, after the retries.
   *
   * @param operation names the call in error messages
   */
  JsonNode post(String operation, String query, ObjectNode variables) {
    return post(operation, query, variables, false);
  }

  /**
   * As {@link #post(String, String, ObjectNode)}; with {@code notTwice}, a request that may have
   * reached the server is never sent again (only one refused at connect or answered 429 is): the
   * caller learns from the server whether it went through.
   */
  JsonNode post(String operation, String query, ObjectNode variables, boolean notTwice) {
    String body = requestBody(query, variables);
    boolean mutation = query.stripLeading().startsWith("mutation");
    for (int apiErrorRetry = 0; ; apiErrorRetry++) {
      JsonNode root = postWithRetries(operation, body, mutation, notTwice);
      // re-sending is safe only when no root field went through (aliased mutations)
      if (!GraphqlErrors.isApiError(root.get("errors"))
          || hasAnyResult(root.get("data"))
          || apiErrorRetry >= settings.apiErrorRetries()) {
        return root;
      }
      Duration delay = settings.apiErrorDelay().multipliedBy(1L << Math.min(apiErrorRetry, 20));
      LOG.warn(
          "{}: the Prefect API answered API_ERROR; re-sending in {} ms",
          operation,
          delay.toMillis());
      pause(operation, delay);
    }
  }

  private static boolean hasAnyResult(JsonNode data) {
    if (data == null || !data.isObject()) {
      return false;
    }
    for (JsonNode value : data) {
      if (!value.isNull()) {
        return true;
      }
    }
    return false;
  }

  private String requestBody(String query, ObjectNode variables) {
    ObjectNode node = JsonTrees.object();
    node.put("query", query);
    node.set("variables", variables == null ? JsonTrees.object() : variables);
    return JsonTrees.write(node);
  }

  private JsonNode postWithRetries(
      String operation, String body, boolean mutation, boolean notTwice) {
    PrefectApiException last = null;
    int made = 0;
    for (int attempt = 0; attempt < settings.maxAttempts(); attempt++) {
      made++;
      Attempt outcome = attempt(operation, body, mutation, notTwice);
      if (outcome.root != null) {
        return outcome.root;
      }
      last = outcome.failure;
      boolean unsent =
          outcome.resend() && (last.kind() == Kind.TRANSPORT || last.httpStatus() == 429);
      if (!last.retryable()
          || !outcome.resend()
          || (notTwice && !unsent)
          || attempt + 1 >= settings.maxAttempts()) {
        break;
      }
      int retry = attempt;
      Duration delay = outcome.retryAfter().orElseGet(() -> settings.backoff().delay(retry));
      // DEBUG: the caller logs the final outcome once, in one line.
      LOG.debug(
          "{}; attempt {} of {}, retrying in {} ms",
          last.getMessage(),
          attempt + 1,
          settings.maxAttempts(),
          delay.toMillis());
      pause(operation, delay);
    }
    if (last.retryable() && made > 1) {
      throw new PrefectApiException(
          last.kind(),
          last.getMessage() + " (gave up after " + made + " attempts)",
          last.httpStatus(),
          last.getCause());
    }
    throw last;
  }

  /** One attempt: a root, or a failure with its Retry-After and whether re-sending is safe. */
  private record Attempt(
      JsonNode root, PrefectApiException failure, Optional<Duration> retryAfter, boolean resend) {
    Attempt(JsonNode root, PrefectApiException failure, Optional<Duration> retryAfter) {
      this(root, failure, retryAfter, true);
    }
  }

  private Attempt attempt(String operation, String body, boolean mutation, boolean notTwice) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("{}: POST {} {}", operation, safeUrl, body);
    }
    try (Response response = (notTwice ? onceClient : client).newCall(request(body)).execute()) {
      String text = response.body() == null ? "" : response.body().string();
      if (LOG.isDebugEnabled()) {
        LOG.debug("{}: HTTP {} {}", operation, response.code(), text);
      }
      int code = response.code();
      if (code >= 200 && code < 300) {
        return parse(operation, text);
      }
      Optional<Duration> retryAfter =
          code == 429 || code == 503
              ? RetryAfter.parse(response.header("Retry-After"), clock, settings.backoff().cap())
              : Optional.empty();
      return new Attempt(null, statusFailure(operation, code, text), retryAfter);
    } catch (IOException e) {
      // a mutation that may have reached the server is not re-sent: a second Submitted would
      // be refused by the server's lock and the run would look taken by someone else
      boolean notSent =
          e instanceof ConnectException
              || e instanceof UnknownHostException
              || e instanceof NoRouteToHostException;
      return new Attempt(
          null,
          new PrefectApiException(
              Kind.TRANSPORT,
              operation
                  + (notSent ? ": cannot reach the Prefect API at " : ": request to ")
                  + safeUrl
                  + (notSent ? ": " : " failed: ")
                  + GraphqlErrors.oneLine(String.valueOf(e.getMessage())),
              0,
              e),
          Optional.empty(),
          notSent || !mutation);
    }
  }

  private Request request(String body) {
    Request.Builder builder = new Request.Builder().url(url).post(RequestBody.create(body, JSON));
    builder.header("X-PREFECT-CORE-VERSION", settings.coreVersion());
    if (settings.apiKey().isPresent()) {
      builder.header("Authorization", "Bearer " + settings.apiKey().reveal());
      String tenant = tenantId.get();
      if (tenant != null) {
        builder.header("X-PREFECT-TENANT-ID", tenant);
      }
    } else if (settings.authToken().isPresent()) {
      builder.header("Authorization", "Bearer " + settings.authToken().reveal());
    }
    String agent = agentId.get();
    if (agent != null) {
      builder.header("X-PREFECT-AGENT-ID", agent);
    }
    return builder.build();
  }

  private Attempt parse(String operation, String text) {
    JsonNode root = null;
    try {
      root = JsonTrees.read(text);
    } catch (JsonProcessingException e) {
      root = null;
    }
    boolean shaped = root != null && root.isObject() && (root.has("data") || root.has("errors"));
    if (shaped) {
      return new Attempt(root, null, Optional.empty());
    }
    String hint =
        settings.backend() == Backend.CLOUD
                && !settings.apiKey().isPresent()
                && !settings.authToken().isPresent()
            ? "; please ensure that you are authenticated (set cloud.api_key)"
            : "";
    return new Attempt(
        null,
        new PrefectApiException(
            Kind.MALFORMED,
            operation
                + ": malformed response received from the Prefect API at "
                + safeUrl
                + " (not a GraphQL JSON answer)"
                + hint),
        Optional.empty());
  }

  private PrefectApiException statusFailure(String operation, int code, String text) {
    if (code == 401 || code == 403) {
      return new PrefectApiException(
          Kind.UNAUTHENTICATED,
          operation
              + ": the Prefect API at "
              + safeUrl
              + " answered HTTP "
              + code
              + "; check cloud.api_key",
          code,
          null);
    }
    String detail = "";
    try {
      JsonNode errors = JsonTrees.read(text).get("errors");
      if (errors != null && errors.isArray() && !errors.isEmpty()) {
        PrefectApiException typed = GraphqlErrors.classify(operation, GraphqlErrors.list(errors));
        if (typed.kind() == Kind.UNAUTHENTICATED) {
          return typed;
        }
        detail = ": " + typed.getMessage();
      }
    } catch (JsonProcessingException | RuntimeException e) {
      detail = "";
    }
    return new PrefectApiException(
        Kind.HTTP_STATUS,
        operation + ": the Prefect API at " + safeUrl + " answered HTTP " + code + detail,
        code,
        null);
  }

  private void pause(String operation, Duration delay) {
    try {
      sleeper.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PrefectApiException(
          Kind.TRANSPORT, operation + ": interrupted while waiting to retry", 0, e);
    }
  }
}
