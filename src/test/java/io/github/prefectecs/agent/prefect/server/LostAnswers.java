package io.github.prefectecs.agent.prefect.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Faults that apply a request and then lose its answer, as a load balancer or a slow database does:
 * the mutation is committed, but the client sees a 502, a cut connection, or nothing before its
 * timeout. Thread-safe.
 */
public final class LostAnswers {
  /** How the answer is lost. */
  public enum Mode {
    /** Applied, then answered HTTP 502 (a load balancer whose upstream answered too late). */
    BAD_GATEWAY_AFTER_COMMIT,
    /** Applied, then the connection is closed without an answer. */
    CUT_AFTER_COMMIT,
    /** Applied only after {@code delay} (the client has given up by then), then answered. */
    LATE_COMMIT,
    /**
     * Applied, then answered HTTP 200 with Prefect Cloud's retryable {@code API_ERROR} (the client
     * re-sends the mutation).
     */
    API_ERROR_AFTER_COMMIT,
    /** Not applied: answered HTTP 503, as a server that is briefly unavailable. */
    UNAVAILABLE,
    /** Not applied: answered HTTP 200 with a GraphQL error that is not "State update failed". */
    GRAPHQL_ERROR
  }

  record Loss(String rootField, String bodyContains, Mode mode, Duration delay) {}

  private final Deque<Loss> queue = new ArrayDeque<>();
  private final Set<String> slowCommits = new HashSet<>();

  synchronized void add(int n, Loss loss) {
    for (int i = 0; i < n; i++) {
      queue.addLast(loss);
    }
  }

  /** The first queued loss matching this request, removed; null when none matches. */
  synchronized Loss take(List<String> rootFields, String body) {
    for (Loss loss : queue) {
      if (rootFields.contains(loss.rootField()) && body.contains(loss.bodyContains())) {
        queue.remove(loss);
        return loss;
      }
    }
    return null;
  }

  /**
   * Waits while a late commit of {@code rootFields} is in progress, as writes to the same rows
   * queue behind a slow transaction (reads do not wait).
   */
  synchronized void awaitSlowCommits(List<String> rootFields) throws InterruptedException {
    while (rootFields.stream().anyMatch(slowCommits::contains)) {
      wait();
    }
  }

  private synchronized void slowCommit(String rootField, boolean running) {
    if (running) {
      slowCommits.add(rootField);
    } else {
      slowCommits.remove(rootField);
      notifyAll();
    }
  }

  /**
   * Applies the request with {@code apply} and answers {@code exchange} the way {@code loss} says.
   */
  void answer(HttpExchange exchange, Loss loss, Supplier<GraphqlEndpoint.Answer> apply)
      throws IOException {
    switch (loss.mode()) {
      case BAD_GATEWAY_AFTER_COMMIT -> {
        apply.get();
        byte[] bytes = "upstream answered too late".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(502, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
      case CUT_AFTER_COMMIT -> apply.get(); // closing the exchange unanswered cuts the connection
      case API_ERROR_AFTER_COMMIT -> {
        apply.get();
        byte[] bytes =
            ("{\"data\":null,\"errors\":[{\"message\":\"Something went wrong\","
                    + "\"extensions\":{\"code\":\"API_ERROR\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
      case UNAVAILABLE -> exchange.sendResponseHeaders(503, -1);
      case GRAPHQL_ERROR -> {
        byte[] bytes =
            "{\"data\":null,\"errors\":[{\"message\":\"Internal error: database is read-only\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
      case LATE_COMMIT -> {
        GraphqlEndpoint.Answer answer;
        slowCommit(loss.rootField(), true);
        try {
          Thread.sleep(loss.delay().toMillis()); // the slow database, not a test waiting
          answer = apply.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } finally {
          slowCommit(loss.rootField(), false);
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        try {
          exchange.sendResponseHeaders(answer.status(), bytes.length);
          exchange.getResponseBody().write(bytes);
        } catch (IOException clientGone) {
          // expected: the client timed out and closed the connection before the commit
        }
      }
    }
  }
}
