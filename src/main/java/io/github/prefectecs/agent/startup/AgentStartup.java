package io.github.prefectecs.agent.startup;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.PollLoop;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.support.Messages;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings an agent up to its first poll: the Prefect handshake (tenant, {@code register_agent},
 * {@code hello}) and, beside it once the tenant is known, the launcher's ECS start-up (running
 * tasks adopted, default VPC). A retryable failure is tried again with the poll loop's error
 * backoff, keeping what already succeeded (the agent registers once and builds one launcher); a
 * configuration problem ends start-up with exit code 2.
 *
 * <p>Runs on the given single thread only; {@link #launcher()} may be read from any thread.
 */
public final class AgentStartup {
  private static final Logger LOG = LoggerFactory.getLogger(AgentStartup.class);

  /** Where start-up ends. */
  public interface Outcome {
    /** The agent is registered and its launcher started: begin polling. */
    void started(ApiConnection.Connected connected, Launcher launcher);

    /** Start-up cannot go on: 2 for a configuration problem, 1 otherwise. */
    void failed(int exitCode, String message);
  }

  private final AgentConfig config;
  private final PrefectApi api;
  private final Function<String, Launcher> launcherFactory;
  private final RunRegistry registry;
  private final AgentHealth health;
  private final ScheduledExecutorService thread;
  private final BooleanSupplier stopping;
  private final Outcome outcome;
  private volatile Launcher launcher;
  private volatile Handshake handshake;
  private ApiConnection.Connected connection;
  private boolean launcherReady;
  private int failures;

  /**
   * @param launcherFactory builds the launcher once the tenant is known (its argument)
   * @param registry where tasks found running at start-up are adopted
   * @param thread the single thread start-up runs and retries on
   * @param stopping whether a stop was requested (no more attempts then)
   */
  public AgentStartup(
      AgentConfig config,
      PrefectApi api,
      Function<String, Launcher> launcherFactory,
      RunRegistry registry,
      AgentHealth health,
      ScheduledExecutorService thread,
      BooleanSupplier stopping,
      Outcome outcome) {
    this.config = config;
    this.api = api;
    this.launcherFactory = launcherFactory;
    this.registry = registry;
    this.health = health;
    this.thread = thread;
    this.stopping = stopping;
    this.outcome = outcome;
  }

  /**
   * Uses a handshake started earlier (before the AWS clients were built), so registration does not
   * wait for them; call before {@link #begin()}.
   */
  public void useHandshake(Handshake started) {
    handshake = started;
  }

  /** Starts the first attempt on the start-up thread. */
  public void begin() {
    thread.execute(this::attempt);
  }

  /** The launcher once built (also after a failed start-up, for closing), else null. */
  public Launcher launcher() {
    return launcher;
  }

  private void attempt() {
    if (stopping.getAsBoolean()) {
      return;
    }
    // Kept across retries: a failing ECS start-up must not register the agent again each time.
    ApiConnection.Connected connected = connection;
    Handshake pending = handshake;
    String tenantId;
    try {
      if (connected == null) {
        if (pending == null) {
          pending = Handshake.start(config, api);
          handshake = pending;
        }
        tenantId = pending.tenant();
      } else {
        tenantId = connected.tenantId();
      }
    } catch (PrefectApiException e) {
      handshake = null;
      apiFailed(e);
      return;
    }
    // The ECS start-up (running tasks, default VPC) runs while register_agent and hello do.
    if (!startLauncher(tenantId)) {
      return;
    }
    if (connected == null) {
      try {
        connected = pending.connected();
        connection = connected;
      } catch (PrefectApiException e) {
        handshake = null;
        apiFailed(e);
        return;
      }
    }
    outcome.started(connected, launcher);
  }

  private void apiFailed(PrefectApiException e) {
    if (!e.retryable()) {
      fatal(e.kind() == PrefectApiException.Kind.UNAUTHENTICATED ? 2 : 1, e.getMessage());
      return;
    }
    String detail = Messages.firstLine(e);
    retry(
        detail.contains(config.api().toString())
            ? "Prefect API (backend " + config.backend().configName() + ") unusable: " + detail
            : "Cannot reach the Prefect API at "
                + config.api()
                + " (backend "
                + config.backend().configName()
                + "): "
                + detail);
  }

  /** Starts the launcher once; false when start-up cannot go on now (fatal or retry scheduled). */
  private boolean startLauncher(String tenantId) {
    if (launcherReady) {
      return true;
    }
    try {
      // One launcher (and its HTTP clients) for every start-up attempt, closed by the agent.
      Launcher started = launcher;
      if (started == null) {
        started = launcherFactory.apply(tenantId);
        launcher = started;
      }
      Map<String, String> running = started.start();
      running.forEach(registry::markAdopted);
      if (!running.isEmpty()) {
        LOG.info(
            "Found {} task(s) this agent already started; they will not be started again",
            running.size());
      }
      launcherReady = true;
      return true;
    } catch (IllegalStateException | IllegalArgumentException e) {
      fatal(2, e.getMessage());
      return false;
    } catch (RuntimeException e) {
      retry("Cannot prepare the ECS launcher: " + e.getMessage());
      return false;
    }
  }

  private void retry(String reason) {
    if (stopping.getAsBoolean()) {
      return;
    }
    failures++;
    long delay = PollLoop.errorBackoffMillis(failures);
    health.failed(reason);
    LOG.warn("{}; retrying in {} ms", reason, delay);
    thread.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
  }

  private void fatal(int code, String message) {
    LOG.error("Cannot start the agent: {}", message);
    health.failed("cannot start: " + message);
    outcome.failed(code, message);
  }
}
