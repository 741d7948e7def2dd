package io.github.prefectecs.agent.watch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.Secret;
import io.github.prefectecs.agent.support.JsonTrees;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts notices to a Slack incoming webhook on its own thread: {@link #post} only queues (at most
 * {@value #QUEUE} waiting; more are dropped and counted), so a slow or failing webhook never delays
 * supervision. The URL is a secret: it appears in no log line or exception.
 *
 * <p>Thread-safe.
 */
public final class SlackNotices implements Notices, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlackNotices.class);
  static final int QUEUE = 100;

  private final Secret url;
  private final HttpClient http;
  private final Duration timeout;
  private final ThreadPoolExecutor sender;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();

  /** A notifier with a 5 s connect and a 10 s request timeout. */
  public SlackNotices(Secret url) {
    this(url, Duration.ofSeconds(10));
  }

  SlackNotices(Secret url, Duration timeout) {
    this.url = Objects.requireNonNull(url, "url");
    if (!url.isPresent()) {
      throw new IllegalArgumentException("the Slack webhook URL is empty");
    }
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.sender =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            new NamedThreadFactory("agent-slack", true));
  }

  @Override
  public void post(Notice notice) {
    try {
      sender.execute(() -> send(notice));
    } catch (RejectedExecutionException e) {
      long n = dropped.incrementAndGet();
      if (n == 1 || n % 100 == 0) {
        LOG.warn(
            "Slack notice for flow run {} dropped ({} so far): the webhook is behind",
            notice.flowRunId(),
            n);
      }
    }
  }

  @Override
  public void announce(String message) {
    String text = ":warning: Prefect ECS agent: " + message;
    try {
      sender.execute(() -> send(text, "the agent's notice"));
    } catch (RejectedExecutionException e) {
      dropped.incrementAndGet();
      LOG.warn("Slack notice dropped: the webhook is behind ({})", message);
    }
  }

  /** Notices delivered (HTTP 2xx) so far. */
  public long sent() {
    return sent.get();
  }

  /** Notices dropped because too many were waiting. */
  public long dropped() {
    return dropped.get();
  }

  static String text(Notice notice) {
    StringBuilder text = new StringBuilder(":rotating_light: Prefect flow run ");
    text.append(notice.flowRunId());
    if (notice.flowRunName() != null) {
      text.append(" (").append(notice.flowRunName()).append(')');
    }
    if (notice.flowName() != null) {
      text.append(" of flow ").append(notice.flowName());
    }
    text.append(": ").append(notice.cause());
    if (notice.taskArn() != null && !notice.cause().contains(notice.taskArn())) {
      text.append(" (task ").append(notice.taskArn()).append(')');
    }
    return text.toString();
  }

  private void send(Notice notice) {
    send(text(notice), "the notice of flow run " + notice.flowRunId());
  }

  private void send(String text, String what) {
    ObjectNode body = JsonTrees.object().put("text", text);
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url.reveal()))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JsonTrees.write(body)))
              .build();
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 == 2) {
        sent.incrementAndGet();
      } else {
        LOG.warn("Slack webhook answered HTTP {} for {}", response.statusCode(), what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // The exception text may carry the URL: name only its type.
      LOG.warn("Slack notice ({}) not delivered: {}", what, e.getClass().getSimpleName());
    }
  }

  /** Gives queued notices up to {@code wait} to go out, then stops. */
  public void close(Duration wait) {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
