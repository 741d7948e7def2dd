package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.health.HealthServer;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.startup.AgentStartup;
import io.github.prefectecs.agent.startup.ApiConnection;
import io.github.prefectecs.agent.startup.Handshake;
import io.github.prefectecs.agent.support.Pools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running agent: owns the parts {@code AgentAssembly} built, connects to the Prefect API (with
 * retries), starts the launcher, polls, and on {@link #close()} stops through the declared,
 * budgeted stages of {@link StopBudget}, closing every client and thread.
 *
 * <p>Thread-safe. {@link #start()} once, then {@link #awaitStopRequest()} and {@link #close()}.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /**
   * A log forwarder with no finished sweep for this long is stuck (a sweep reads for at most a
   * minute, waits at most five seconds and backs off at most two minutes).
   */
  static final Duration LOG_FORWARDING_STALE = Duration.ofMinutes(5);

  private final AgentParts parts;
  private final AgentStartup startup;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile AgentCore.Wired core;
  private volatile HealthServer healthServer;
  private volatile int exitCode;

  public Agent(AgentParts parts) {
    this.parts = parts;
    if (parts.logs().isOn()) {
      parts
          .health()
          .watchProgress("log forwarding", parts.logs()::lastCompletedSweep, LOG_FORWARDING_STALE);
    }
    this.startup =
        new AgentStartup(
            parts.config(),
            parts.api(),
            parts.launcherFactory(),
            parts.registry(),
            parts.health(),
            parts.threads().poll(),
            () -> stopRequested.getCount() == 0,
            new AgentStartup.Outcome() {
              @Override
              public void started(ApiConnection.Connected connected, Launcher started) {
                startPolling(connected, started);
              }

              @Override
              public void failed(int code, String message) {
                exitCode = code;
                requestStop();
              }
            });
  }

  /**
   * Uses a handshake started before the agent was built (see {@link AgentProcess#run}), so
   * registration does not wait for the AWS clients; call before {@link #start()}.
   */
  public void useHandshake(Handshake started) {
    startup.useHandshake(started);
  }

  /** Where task starts and stops go for log forwarding ({@link TaskEvents#NONE} without it). */
  public TaskEvents taskEvents() {
    return parts.logs().events();
  }

  /** Starts the health endpoint and, in the background, the API handshake and the poll loop. */
  public void start() {
    AgentConfig config = parts.config();
    String mismatch = ApiConnection.backendMismatch(config);
    if (mismatch != null) {
      LOG.warn(mismatch);
    }
    if (config.agentAddress() != null) {
      healthServer =
          HealthServer.start(
              config.agentAddress(), parts.health(), this::poke, parts.metrics().registry());
    }
    startup.begin();
    parts.logs().start();
  }

  /** The health endpoint's port, or -1 when it is off. */
  public int healthPort() {
    HealthServer server = healthServer;
    return server == null ? -1 : server.port();
  }

  public AgentHealth health() {
    return parts.health();
  }

  public RunRegistry registry() {
    return parts.registry();
  }

  /** Wakes the poll loop (what {@code /api/poke} does). */
  public void poke() {
    AgentCore.Wired c = core;
    if (c != null) {
      c.pollLoop().poke();
    }
  }

  /** Asks the agent to stop (signal, {@code --max-polls}, fatal start-up error). */
  public void requestStop() {
    stopRequested.countDown();
  }

  /** Blocks until a stop is requested; restores the interrupt flag when interrupted. */
  public void awaitStopRequest() {
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits up to {@code timeout} for a stop request. */
  public boolean awaitStopRequest(Duration timeout) throws InterruptedException {
    return stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** 0 after a clean stop, 2 for a configuration problem found at start-up, 1 otherwise. */
  public int exitCode() {
    return exitCode;
  }

  private void startPolling(ApiConnection.Connected connected, Launcher launcher) {
    AgentCore.Wired c = AgentCore.wire(parts, connected, launcher, this::requestStop);
    core = c;
    LOG.info("Starting {} with labels {}", ApiConnection.AGENT_TYPE, parts.config().labels());
    LOG.info("Waiting for flow runs...");
    c.pollLoop().start();
  }

  /**
   * Stops in the bounded stages of {@link StopBudget}, in order: no more claims, in-flight launches
   * finish, the watcher and log forwarding end, queued states and logs are sent, notices go out,
   * then every executor and client is closed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    requestStop();
    parts.health().stopping();
    LOG.info("Shutting down: no more runs are claimed");
    long stopStarted = System.nanoTime();
    for (StopBudget.Stage stage : stages(stopStarted)) {
      try {
        stage.run();
      } catch (RuntimeException e) {
        LOG.warn("Stopping: {} failed: {}", stage.name(), e.toString());
      }
    }
    LOG.info("Agent stopped");
  }

  private List<StopBudget.Stage> stages(long stopStarted) {
    AgentThreads threads = parts.threads();
    List<StopBudget.Stage> stages = new ArrayList<>();
    stages.add(
        new StopBudget.Stage(
            "the poll loop",
            StopBudget.POLL,
            budget -> {
              AgentCore.Wired c = core;
              if (c != null) {
                c.pollLoop().stop();
              }
              threads.poll().shutdown();
              Pools.awaitTermination(threads.poll(), budget);
            }));
    stages.add(
        new StopBudget.Stage(
            "in-flight launches",
            StopBudget.LAUNCH_DRAIN,
            budget -> {
              AgentCore.Wired c = core;
              if (c != null) {
                c.submitter().stop();
              }
              // The later stages keep their share whatever the poll took.
              Duration drain =
                  StopBudget.launchDrain(Duration.ofNanos(System.nanoTime() - stopStarted));
              if (!parts.slots().awaitAllFree(drain)) {
                LOG.warn(
                    "{} launch(es) still running after {}; stopping anyway",
                    parts.slots().inUse(),
                    drain);
              }
            }));
    stages.add(
        new StopBudget.Stage(
            "task supervision",
            StopBudget.WATCH,
            budget -> {
              AgentCore.Wired c = core;
              if (c != null) {
                c.supervision().stopWatching();
              }
              threads.watch().shutdown();
              Pools.awaitTermination(threads.watch(), budget);
            }));
    stages.add(
        new StopBudget.Stage(
            "log forwarding", StopBudget.LOGS, budget -> parts.logs().close(budget)));
    stages.add(
        new StopBudget.Stage(
            "queued states and logs",
            StopBudget.FLUSH,
            budget -> {
              if (!parts.batcher().flush(budget)) {
                LOG.warn("Some run states or logs could not be sent within {}", budget);
              }
            }));
    stages.add(
        new StopBudget.Stage(
            "operator notices",
            StopBudget.NOTICES,
            budget -> {
              // After the flush: states written during it may still post notices.
              AgentCore.Wired c = core;
              if (c != null) {
                c.supervision().closeNotices(budget);
              }
            }));
    stages.add(
        new StopBudget.Stage(
            "executors",
            StopBudget.POOL,
            budget -> {
              parts.batcher().close();
              threads.reports().shutdown();
              threads.launches().shutdown();
              threads.timers().shutdown();
              Pools.awaitTermination(threads.launches(), budget);
            }));
    stages.add(
        new StopBudget.Stage(
            "clients",
            StopBudget.CLIENTS,
            budget -> {
              closeQuietly("the launcher", startup.launcher());
              for (AgentParts.Client client : parts.clients()) {
                closeQuietly(client.name(), client.client());
              }
              closeQuietly("the health endpoint", healthServer);
            }));
    return stages;
  }

  private static void closeQuietly(String name, AutoCloseable client) {
    if (client == null) {
      return;
    }
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("Closing {} failed: {}", name, e.toString());
    }
  }

  /** The launch pool: threads end after {@code idle} without work (see {@link Pools#elastic}). */
  static ThreadPoolExecutor launchPool(int size, Duration idle) {
    return AgentThreads.launchPool(size, idle);
  }
}
