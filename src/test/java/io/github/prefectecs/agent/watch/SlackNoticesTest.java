package io.github.prefectecs.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.testsupport.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SlackNoticesTest {
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private volatile boolean hold;

  private Secret start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/services/T0/B0/secret",
        exchange -> {
          bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          if (hold) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    return Secret.of(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/services/T0/B0/secret");
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aNoticeNamesTheRunTheCauseAndTheTask() throws Exception {
    SlackNotices slack = new SlackNotices(start());
    slack.post(
        new Notices.Notice(
            "run-1",
            "nice-run",
            "etl",
            "Task arn:t1 failed to start: CannotPullContainerError",
            "arn:t1"));

    Eventually.until(Duration.ofSeconds(20), "notice delivered", () -> slack.sent() == 1);
    assertThat(bodies)
        .singleElement()
        .asString()
        .contains("run-1", "nice-run", "etl", "CannotPullContainerError", "arn:t1");
    slack.close();
  }

  @Test
  void aWebhookThatHangsNeverHoldsUpTheCaller() throws Exception {
    hold = true;
    SlackNotices slack = new SlackNotices(start(), Duration.ofSeconds(30));
    for (int i = 0; i < SlackNotices.QUEUE + 20; i++) {
      slack.post(new Notices.Notice("run-" + i, null, null, "cause", "arn"));
    }
    // Every post returned while the webhook still holds the first request.
    assertThat(release.getCount()).isEqualTo(1);
    assertThat(slack.dropped()).isGreaterThanOrEqualTo(19);
    release.countDown();
    slack.close(Duration.ofSeconds(1));
  }

  @Test
  void theWebhookUrlIsASecret() {
    Secret url = Secret.of("https://hooks.slack.com/services/T0/B0/s3cret");
    SlackNotices slack = new SlackNotices(url);
    assertThat(url.toString()).isEqualTo("***");
    assertThat(slack.toString()).doesNotContain("s3cret");
    slack.close();
  }
}
