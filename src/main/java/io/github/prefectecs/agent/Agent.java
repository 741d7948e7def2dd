package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.health.HealthServer;
import io.github.prefectecs.agent.logs.CloudWatchForwarding;
import io.github.prefectecs.agent.logs.RunLogWriter;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.metrics.MeteredPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.run.AgentHealth;
import io.github.prefectecs.agent.run.FlowRunPoller;
import io.github.prefectecs.agent.run.LaunchRunner;
import io.github.prefectecs.agent.run.LaunchSlots;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.PollLoop;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.StrandedClaims;
import io.github.prefectecs.agent.run.Submitter;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.startup.AgentStartup;
import io.github.prefectecs.agent.startup.ApiConnection;
import io.github.prefectecs.agent.startup.Handshake;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.Pools;
import io.github.prefectecs.agent.watch.EcsTasks;
import io.github.prefectecs.agent.watch.Supervision;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every executor, client and server of a running agent: connects to the Prefect API (with
 * retries), starts the launcher, polls, and on {@link #close()} stops in bounded stages.
 *
 * <p>Thread-safe. {@link #start()} once, then {@link #awaitStopRequest()} and {@link #close()}.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /** A launch thread idle this long ends, so a burst does not pin threads for good. */
  static final Duration LAUNCH_THREAD_IDLE = Duration.ofSeconds(60);

  static final int MAX_LAUNCH_ATTEMPTS = 5;

  /**
   * A log forwarder with no finished sweep for this long is stuck (a sweep reads for at most a
   * minute, waits at most five seconds and backs off at most two minutes).
   */
  static final Duration LOG_FORWARDING_STALE = Duration.ofMinutes(5);

  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final PrefectApi api;
  private final Clock clock;
  private final AgentHealth health;
  private final RunRegistry registry;
  private final LaunchSlots slots;
  private final ScheduledExecutorService pollThread;
  private final ScheduledExecutorService scheduler;
  private final ScheduledExecutorService batchThreads;
  private final ExecutorService launchPool;
  private final PrefectBatcher batcher;
  private final CloudWatchForwarding logForwarding;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile PollLoop pollLoop;
  private volatile Submitter submitter;
  private volatile Launcher launcher;
  private final AgentStartup startup;
  private volatile HealthServer healthServer;
  private final EcsTasks ecsTasks;
  private final ScheduledExecutorService watchThread;
  private volatile Supervision supervision;
  private volatile int exitCode;

  /**
   * @param launcherFactory builds the launcher once the tenant is known (its argument)
   */
  public Agent(
      AgentConfig config, PrefectApi api, Function<String, Launcher> launcherFactory, Clock clock) {
    this(config, api, launcherFactory, null, clock, AgentMetrics.create(), null);
  }

  /**
   * @param logForwarding builds the CloudWatch log forwarding over the agent's batched run log
   *     writer; null for none
   */
  public Agent(
      AgentConfig config,
      PrefectApi api,
      Function<String, Launcher> launcherFactory,
      Clock clock,
      Function<RunLogWriter, CloudWatchForwarding> logForwarding) {
    this(config, api, launcherFactory, null, clock, AgentMetrics.create(), logForwarding);
  }

  /**
   * @param launcherFactory builds the launcher once the tenant is known (its argument)
   * @param metrics where launches, requests and durations are counted; served on /metrics
   */
  public Agent(
      AgentConfig config,
      PrefectApi api,
      Function<String, Launcher> launcherFactory,
      Clock clock,
      AgentMetrics metrics) {
    this(config, api, launcherFactory, null, clock, metrics, null);
  }

  /**
   * @param ecsTasks what the task watcher needs from ECS; null runs the agent without watching its
   *     tasks
   */
  public Agent(
      AgentConfig config,
      PrefectApi api,
      Function<String, Launcher> launcherFactory,
      EcsTasks ecsTasks,
      Clock clock) {
    this(config, api, launcherFactory, ecsTasks, clock, AgentMetrics.create(), null);
  }

  /**
   * @param launcherFactory builds the launcher once the tenant is known (its argument)
   * @param ecsTasks what the task watcher needs from ECS; null runs the agent without watching its
   *     tasks
   * @param metrics where launches, requests and durations are counted; served on /metrics
   * @param logForwarding builds the CloudWatch log forwarding over the agent's batched run log
   *     writer; null for none
   */
  public Agent(
      AgentConfig config,
      PrefectApi api,
      Function<String, Launcher> launcherFactory,
      EcsTasks ecsTasks,
      Clock clock,
      AgentMetrics metrics,
      Function<RunLogWriter, CloudWatchForwarding> logForwarding) {
    this.ecsTasks = ecsTasks;
    this.watchThread = Pools.singleScheduler("agent-watch", true);
    this.config = config;
    this.metrics = metrics;
    this.api = new MeteredPrefectApi(api, metrics);
    this.clock = clock;
    this.health = new AgentHealth(clock);
    this.registry = new RunRegistry(clock);
    metrics.trackInFlight(registry::size);
    this.slots = new LaunchSlots(config.maxConcurrentLaunches());
    this.pollThread = Pools.singleScheduler("agent-poll", false);
    this.scheduler = Pools.singleScheduler("agent-scheduler", true);
    this.launchPool = launchPool(config.maxConcurrentLaunches(), LAUNCH_THREAD_IDLE);
    this.batchThreads =
        Executors.newScheduledThreadPool(2, new NamedThreadFactory("agent-report", true));
    this.batcher = new PrefectBatcher(this.api, batchThreads, PrefectBatcher.Windows.AGENT);
    this.logForwarding =
        logForwarding == null
            ? null
            : logForwarding.apply(
                RunLogWriter.counting(
                    RunLogWriter.of(batcher),
                    metrics::logLinesForwarded,
                    metrics::logLinesDropped));
    if (this.logForwarding != null && this.logForwarding.isOn()) {
      health.watchProgress(
          "log forwarding", this.logForwarding::lastCompletedSweep, LOG_FORWARDING_STALE);
    }
    this.startup =
        new AgentStartup(
            config,
            this.api,
            launcherFactory,
            registry,
            health,
            pollThread,
            () -> stopRequested.getCount() == 0,
            new AgentStartup.Outcome() {
              @Override
              public void started(ApiConnection.Connected connected, Launcher started) {
                launcher = started;
                startPolling(connected);
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
    return logForwarding == null ? TaskEvents.NONE : logForwarding.events();
  }

  /** Starts the health endpoint and, in the background, the API handshake and the poll loop. */
  public void start() {
    String mismatch = ApiConnection.backendMismatch(config);
    if (mismatch != null) {
      LOG.warn(mismatch);
    }
    if (config.agentAddress() != null) {
      healthServer =
          HealthServer.start(config.agentAddress(), health, this::poke, metrics.registry());
    }
    startup.begin();
    if (logForwarding != null) {
      logForwarding.start();
    }
  }

  /** The health endpoint's port, or -1 when it is off. */
  public int healthPort() {
    HealthServer server = healthServer;
    return server == null ? -1 : server.port();
  }

  public AgentHealth health() {
    return health;
  }

  public RunRegistry registry() {
    return registry;
  }

  /** Wakes the poll loop (what {@code /api/poke} does). */
  public void poke() {
    PollLoop loop = pollLoop;
    if (loop != null) {
      loop.poke();
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

  private void startPolling(ApiConnection.Connected connected) {
    RunReporter reporter = new RunReporter(batcher, config.name(), clock);
    LaunchRunner launches =
        new LaunchRunner(
            registry,
            slots,
            reporter,
            launcher,
            scheduler,
            launchPool,
            MAX_LAUNCH_ATTEMPTS,
            metrics);
    Submitter s =
        new Submitter(api, connected.agentId(), reporter, launches, scheduler, launchPool, clock);
    submitter = s;
    FlowRunPoller poller =
        new FlowRunPoller(
            api, connected.tenantId(), config.labels(), registry, slots, s, launcher, clock);
    poller.takeOverStrandedClaims(
        new StrandedClaims(api, connected.agentId(), registry, launcher, clock));
    PollLoop loop =
        new PollLoop(
            () -> timedPoll(poller), pollThread, health, config.maxPolls(), this::requestStop);
    pollLoop = loop;
    startWatching(reporter);
    LOG.info("Starting {} with labels {}", ApiConnection.AGENT_TYPE, config.labels());
    LOG.info("Waiting for flow runs...");
    loop.start();
  }

  private int timedPoll(FlowRunPoller poller) {
    long started = System.nanoTime();
    try {
      return poller.pollOnce();
    } finally {
      metrics.pollDuration(Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private void startWatching(RunReporter reporter) {
    if (ecsTasks != null) {
      supervision =
          Supervision.start(
              config,
              ecsTasks,
              api,
              registry,
              taskEvents(),
              reporter,
              launcher,
              metrics,
              health,
              clock,
              watchThread);
    }
  }

  /**
   * Stops in bounded stages ({@link StopBudget}): no more claims, in-flight launches finish, the
   * watcher and log forwarding end, queued states and logs are sent, then every client and thread
   * is closed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    requestStop();
    health.stopping();
    LOG.info("Shutting down: no more runs are claimed");
    PollLoop loop = pollLoop;
    if (loop != null) {
      loop.stop();
    }
    long stopStarted = System.nanoTime();
    pollThread.shutdown();
    Pools.awaitTermination(pollThread, StopBudget.POLL);
    Submitter s = submitter;
    if (s != null) {
      s.stop();
    }
    // The flush and the pool's last tasks keep their share whatever the earlier stages took.
    Duration drain = StopBudget.launchDrain(Duration.ofNanos(System.nanoTime() - stopStarted));
    if (!slots.awaitAllFree(drain)) {
      LOG.warn("{} launch(es) still running after {}; stopping anyway", slots.inUse(), drain);
    }
    Supervision watching = supervision;
    if (watching != null) {
      watching.stopWatching();
    }
    watchThread.shutdown();
    Pools.awaitTermination(watchThread, StopBudget.WATCH);
    if (logForwarding != null) {
      logForwarding.close(StopBudget.LOGS);
    }
    if (!batcher.flush(StopBudget.FLUSH)) {
      LOG.warn("Some run states or logs could not be sent within {}", StopBudget.FLUSH);
    }
    // After the flush: states written during it may still post notices.
    if (watching != null) {
      watching.closeNotices(Duration.ofSeconds(5));
    }
    batcher.close();
    batchThreads.shutdown();
    launchPool.shutdown();
    scheduler.shutdown();
    Pools.awaitTermination(launchPool, StopBudget.POOL);
    Launcher l = startup.launcher();
    if (l != null) {
      l.close();
    }
    api.close();
    HealthServer server = healthServer;
    if (server != null) {
      server.close();
    }
    LOG.info("Agent stopped");
  }

  /** The launch pool: threads end after {@code idle} without work (see {@link Pools#elastic}). */
  static ThreadPoolExecutor launchPool(int size, Duration idle) {
    return Pools.elastic("agent-launch", size, idle);
  }
}
