package io.github.prefectecs.agent.prefect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which failures the transport re-sends, against MockWebServer. */
@Timeout(30)
class GraphqlTransportIT {
  private MockWebServer web;
  private GraphqlPrefectApi api;

  @BeforeEach
  void start() throws Exception {
    web = new MockWebServer();
    web.start();
    PrefectApiSettings settings =
        PrefectApiSettings.of(
                web.url("/").uri(),
                Backend.SERVER,
                Secret.empty(),
                Secret.empty(),
                "t",
                Duration.ofMillis(300),
                "0.15.13")
            .withRetries(
                3, new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)), Duration.ofMillis(5));
    api = new GraphqlPrefectApi(settings, new OkHttpClient(), Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    web.shutdown();
  }

  private void answer(String json) {
    web.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(json));
  }

  @Test
  void aServerThatTricklesItsAnswerCannotHangACall() throws Exception {
    // one byte every 100 ms: each read finishes within the 300 ms read timeout, the body takes
    // a minute per attempt
    try (java.net.ServerSocket trickler = new java.net.ServerSocket(0)) {
      Thread serve =
          new Thread(
              () -> {
                while (!trickler.isClosed()) {
                  try (java.net.Socket socket = trickler.accept()) {
                    java.io.OutputStream out = socket.getOutputStream();
                    out.write(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    for (int i = 0; i < 600; i++) {
                      out.write(' ');
                      out.flush();
                      Thread.sleep(100);
                    }
                  } catch (java.io.IOException | InterruptedException e) {
                    // the client gave up, or the test is over
                  }
                }
              },
              "trickling-server");
      serve.setDaemon(true);
      serve.start();
      PrefectApiSettings settings =
          PrefectApiSettings.of(
                  java.net.URI.create("http://127.0.0.1:" + trickler.getLocalPort()),
                  Backend.SERVER,
                  Secret.empty(),
                  Secret.empty(),
                  "t",
                  Duration.ofMillis(300),
                  "0.15.13")
              .withRetries(
                  2,
                  new Backoff(Duration.ofMillis(5), Duration.ofMillis(10)),
                  Duration.ofMillis(5));
      long started = System.nanoTime();
      try (GraphqlPrefectApi trickled =
          new GraphqlPrefectApi(settings, new OkHttpClient(), Clock.systemUTC())) {
        PrefectApiException e = catchThrowableOfType(trickled::hello, PrefectApiException.class);

        assertThat(e.kind()).isEqualTo(Kind.TRANSPORT);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aQueryIsResentAfterAReadTimeout() {
    web.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    answer("{\"data\":{\"hello\":\"hi\"}}");

    api.hello();

    assertThat(web.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aMutationIsNotResentAfterAReadTimeout() {
    web.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    answer("{\"data\":{\"a0\":{\"states\":[]}}}");

    PrefectApiException error =
        catchThrowableOfType(
            () ->
                api.setFlowRunStates(
                    List.of(new StateUpdate("r", 1, PrefectStates.submitted(null, "s")))),
            PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.TRANSPORT);
    assertThat(error.retryable()).isTrue();
    assertThat(web.getRequestCount()).isEqualTo(1);
  }

  @Test
  void apiErrorIsNotResentWhenSomeItemsWentThrough() {
    answer(
        "{\"data\":{\"a0\":{\"states\":[]},\"a1\":null},\"errors\":[{\"message\":\"x\","
            + "\"path\":[\"a1\"],\"extensions\":{\"code\":\"API_ERROR\"}}]}");

    List<UpdateResult> results =
        api.setFlowRunStates(
            List.of(
                new StateUpdate("r0", 1, PrefectStates.failed("a")),
                new StateUpdate("r1", 1, PrefectStates.failed("b"))));

    assertThat(web.getRequestCount()).isEqualTo(1);
    assertThat(results.get(0).isOk()).isTrue();
    assertThat(results.get(1).isOk()).isFalse();
  }

  @Test
  void aMalformedAnswerWithoutDataIsMalformed() {
    for (int i = 0; i < 3; i++) {
      answer("{\"something\":1}");
    }

    PrefectApiException error = catchThrowableOfType(api::hello, PrefectApiException.class);

    assertThat(error.kind()).isEqualTo(Kind.MALFORMED);
    assertThat(web.getRequestCount()).isEqualTo(3);
  }

  @Test
  void noItemsNeedNoRequest() {
    assertThat(api.setFlowRunStates(List.of())).isEmpty();
    assertThat(api.writeRunLogs(List.of())).isEmpty();
    assertThat(web.getRequestCount()).isZero();
  }
}
