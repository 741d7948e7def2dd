package io.github.prefectecs.agent.startup;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The start-up handshake with the Prefect API ({@link ApiConnection}: tenant, {@code
 * register_agent}, {@code hello}) on its own short-lived thread, so that what start-up needs from
 * AWS (building the SDK clients, listing the agent's running tasks, inferring the default VPC)
 * happens beside it instead of after it. The tenant is published as soon as it is known, before the
 * registration, because the ECS launcher needs it.
 *
 * <p>Thread-safe. Start once with {@link #start}; {@link #tenant()} and {@link #connected()} wait
 * for their step and throw the step's {@link PrefectApiException} (a retryable one when the waiting
 * thread is interrupted, with its interrupt flag restored).
 */
public final class Handshake {
  private static final NamedThreadFactory THREADS = new NamedThreadFactory("agent-handshake", true);

  private final CompletableFuture<String> tenant = new CompletableFuture<>();
  private final CompletableFuture<ApiConnection.Connected> connected = new CompletableFuture<>();

  private Handshake() {}

  /** Starts the handshake now, on a daemon thread of its own. */
  public static Handshake start(AgentConfig config, PrefectApi api) {
    Handshake handshake = new Handshake();
    THREADS.newThread(() -> handshake.run(new ApiConnection(config, api))).start();
    return handshake;
  }

  private void run(ApiConnection connection) {
    try {
      connected.complete(connection.connect(tenant::complete));
    } catch (RuntimeException e) {
      tenant.completeExceptionally(e);
      connected.completeExceptionally(e);
    }
  }

  /** The tenant the agent serves, once known (before {@code register_agent} answers). */
  public String tenant() {
    return await(tenant);
  }

  /** The registered agent, once {@code register_agent} and {@code hello} have answered. */
  public ApiConnection.Connected connected() {
    return await(connected);
  }

  private static <T> T await(CompletableFuture<T> step) {
    try {
      return step.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PrefectApiException(
          PrefectApiException.Kind.TRANSPORT, "interrupted while connecting to the Prefect API");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
