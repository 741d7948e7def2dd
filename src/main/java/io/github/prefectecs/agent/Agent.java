package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.ConfigException;
import io.github.prefectecs.agent.ecs.AwsClients;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.EcsRateLimits;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.ecs.VpcLookup;
import io.github.prefectecs.agent.health.HealthServer;
import io.github.prefectecs.agent.logs.CloudWatchForwarding;
import io.github.prefectecs.agent.logs.RunLogWriter;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.metrics.MeteredPrefectApi;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.PrefectBatcher;
import io.github.prefectecs.agent.run.AgentHealth;
import io.github.prefectecs.agent.run.ApiConnection;
import io.github.prefectecs.agent.run.FlowRunPoller;
import io.github.prefectecs.agent.run.LaunchRunner;
import io.github.prefectecs.agent.run.LaunchSlots;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.PollLoop;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.Submitter;
import io.github.prefectecs.agent.run.TaskEvents;
import io.github.prefectecs.agent.startup.Handshake;
import io.github.prefectecs.agent.support.Messages;
import io.github.prefectecs.agent.support.NamedThreadFactory;
import io.github.prefectecs.agent.support.Signals;
import io.github.prefectecs.agent.watch.EcsTasks;
import io.github.prefectecs.agent.watch.Notices;
import io.github.prefectecs.agent.watch.RunOutcomes;
import io.github.prefectecs.agent.watch.SlackNotices;
import io.github.prefectecs.agent.watch.TaskWatcher;
import io.github.prefectecs.agent.watch.WatchSettings;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Owns every executor, client and server of a running agent: connects to the Prefect API (with
 * retries), starts the launcher, polls, and on {@link #close()} stops in bounded stages.
 *
 * <p>Thread-safe. {@link #start()} once, then {@link #awaitStopRequest()} and {@link #close()}.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /** How long in-flight launches may take to finish when the agent stops. */
  static final Duration LAUNCH_DRAIN = Duration.ofSeconds(90);

  /** How long queued states and logs may take to reach the API when the agent stops. */
  static final Duration FLUSH_DEADLINE = Duration.ofSeconds(15);

  /**
   * All stop stages together: inside ECS's largest {@code stopTimeout} (120 s) and the README's
   * systemd {@code TimeoutStopSec=120}, with 10 s left for closing clients and the JVM's exit.
   */
  static final Duration STOP_BUDGET = Duration.ofSeconds(110);

  /** The poll in flight gets this long to end (each API call is bounded by its call timeout). */
  static final Duration POLL_STOP = Duration.ofSeconds(15);

  /** The launch pool's last tasks (claim checks, retries started at stop) get this long. */
  static final Duration POOL_STOP = Duration.ofSeconds(5);

  /** How long the task watcher may take to finish its tick when the agent stops. */
  static final Duration WATCH_STOP = Duration.ofSeconds(5);

  /** How long log forwarding may read the last lines when the agent stops. */
  static final Duration LOGS_STOP = Duration.ofSeconds(5);

  /** A launch thread idle this long ends, so a burst does not pin threads for good. */
  static final Duration LAUNCH_THREAD_IDLE = Duration.ofSeconds(60);

  static final int MAX_LAUNCH_ATTEMPTS = 5;

  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final PrefectApi api;
  private final Function<String, Launcher> launcherFactory;
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
  private volatile HealthServer healthServer;
  private volatile ApiConnection.Connected connection;
  private final EcsTasks ecsTasks;
  private final ScheduledExecutorService watchThread;
  private volatile TaskWatcher watcher;
  private volatile SlackNotices slack;
  private volatile int exitCode;
  private int connectFailures;
  private volatile Handshake handshake;
  private boolean launcherReady;

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
    this.watchThread = scheduledExecutor("agent-watch", true);
    this.config = config;
    this.metrics = metrics;
    this.api = new MeteredPrefectApi(api, metrics);
    this.launcherFactory = launcherFactory;
    this.clock = clock;
    this.health = new AgentHealth(clock);
    this.registry = new RunRegistry(clock);
    metrics.trackInFlight(registry::size);
    this.slots = new LaunchSlots(config.maxConcurrentLaunches());
    this.pollThread = scheduledExecutor("agent-poll", false);
    this.scheduler = scheduledExecutor("agent-scheduler", true);
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
    pollThread.execute(this::connect);
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

  private void connect() {
    if (stopRequested.getCount() == 0) {
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
      connectFailed(e);
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
        connectFailed(e);
        return;
      }
    }
    startPolling(connected);
  }

  /**
   * Uses a handshake started before the agent was built (see {@link #run}), so registration does
   * not wait for the AWS clients; call before {@link #start()}.
   */
  public void useHandshake(Handshake started) {
    handshake = started;
  }

  private void connectFailed(PrefectApiException e) {
    if (!e.retryable()) {
      fatal(e.kind() == PrefectApiException.Kind.UNAUTHENTICATED ? 2 : 1, e.getMessage());
      return;
    }
    String detail = Messages.firstLine(e);
    retryConnect(
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
      // One launcher (and its HTTP clients) for every start-up attempt, closed by close().
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
      retryConnect("Cannot prepare the ECS launcher: " + e.getMessage());
      return false;
    }
  }

  private void retryConnect(String reason) {
    if (stopRequested.getCount() == 0) {
      return;
    }
    connectFailures++;
    long delay = PollLoop.errorBackoffMillis(connectFailures);
    health.failed(reason);
    LOG.warn("{}; retrying in {} ms", reason, delay);
    pollThread.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private void fatal(int code, String message) {
    LOG.error("Cannot start the agent: {}", message);
    health.failed("cannot start: " + message);
    exitCode = code;
    requestStop();
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
    if (ecsTasks == null) {
      return;
    }
    Launcher l = launcher;
    Notices notices = Notices.NONE;
    if (config.slackWebhookUrl().isPresent()) {
      slack = new SlackNotices(config.slackWebhookUrl());
      notices = slack;
    }
    RunOutcomes outcomes = new RunOutcomes(reporter, notices, l::forget, metrics);
    TaskWatcher w =
        new TaskWatcher(
            ecsTasks,
            api,
            registry,
            taskEvents(),
            outcomes,
            WatchSettings.defaults(
                config.ecs().cluster(),
                config.name(),
                config.ecs().startTimeout(),
                config.ecs().spotRelaunchLimit()),
            clock,
            watchThread);
    watcher = w;
    w.start();
  }

  /**
   * Stops in bounded stages: no more claims, in-flight launches finish (up to {@link
   * #LAUNCH_DRAIN}), queued states and logs are sent (up to {@link #FLUSH_DEADLINE}), then every
   * client and thread is closed.
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
    long stopDeadline = System.nanoTime() + STOP_BUDGET.toNanos();
    pollThread.shutdown();
    awaitTermination(pollThread, POLL_STOP);
    Submitter s = submitter;
    if (s != null) {
      s.stop();
    }
    // The flush and the pool's last tasks keep their share whatever the earlier stages took.
    Duration drain =
        Duration.ofNanos(
            Math.max(
                0,
                Math.min(
                    LAUNCH_DRAIN.toNanos(),
                    stopDeadline
                        - System.nanoTime()
                        - WATCH_STOP.toNanos()
                        - LOGS_STOP.toNanos()
                        - FLUSH_DEADLINE.toNanos()
                        - POOL_STOP.toNanos())));
    if (!slots.awaitAllFree(drain)) {
      LOG.warn("{} launch(es) still running after {}; stopping anyway", slots.inUse(), drain);
    }
    TaskWatcher w = watcher;
    if (w != null) {
      w.close();
    }
    watchThread.shutdown();
    awaitTermination(watchThread, WATCH_STOP);
    if (logForwarding != null) {
      logForwarding.close(LOGS_STOP);
    }
    if (!batcher.flush(FLUSH_DEADLINE)) {
      LOG.warn("Some run states or logs could not be sent within {}", FLUSH_DEADLINE);
    }
    // After the flush: states written during it may still post notices.
    SlackNotices n = slack;
    if (n != null) {
      n.close(Duration.ofSeconds(5));
    }
    batcher.close();
    batchThreads.shutdown();
    launchPool.shutdown();
    scheduler.shutdown();
    awaitTermination(launchPool, POOL_STOP);
    Launcher l = launcher;
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

  /**
   * Up to {@code size} launch threads, created on demand and ended after {@code idle} without work:
   * a large {@code max_concurrent_launches} costs threads only while launches run.
   */
  static ThreadPoolExecutor launchPool(int size, Duration idle) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            size,
            size,
            idle.toMillis(),
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            new NamedThreadFactory("agent-launch", true));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private static ScheduledExecutorService scheduledExecutor(String name, boolean daemon) {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, new NamedThreadFactory(name, daemon));
    // Waits still pending at shutdown (the next poll, a connect retry) must not run.
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  private static void awaitTermination(ExecutorService executor, Duration timeout) {
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs the agent until it is stopped (SIGTERM, SIGINT, {@code --max-polls}) and returns the
   * process exit code.
   */
  public static int run(AgentConfig config) {
    Clock clock = Clock.systemUTC();
    // One set of adaptive buckets per process, fed by the client's attempts (see README, "Several
    // agents in one AWS account"); the watcher's DescribeTasks/StopTask share the launcher's.
    EcsRateLimits limits = EcsRateLimits.adaptive(config.ecs().maxRunTaskRate());
    AgentMetrics metrics = AgentMetrics.withJvm();
    EcsClient ecs;
    Handshake handshake;
    PrefectApi prefect;
    try {
      // A missing region is a configuration error: found before anything is registered.
      AwsClients.requireRegion();
      prefect = GraphqlPrefectApi.create(config);
      // Registration goes on while the AWS clients are built and the ECS start-up runs.
      handshake = Handshake.start(config, new MeteredPrefectApi(prefect, metrics));
      ecs = AwsClients.ecs(config, limits, metrics);
    } catch (SdkClientException e) {
      String message = String.valueOf(e.getMessage());
      throw new ConfigException(
          (message.contains("Unable to load region")
                  ? "the AWS region is not set"
                  : "cannot build the AWS ECS client: " + Messages.firstLine(message))
              + "; set AWS_REGION (ECS and Fargate set it for you) or a region in the AWS profile");
    }
    VpcLookup vpcLookup = AwsClients.vpcLookup(config, AwsClients.region(ecs));
    Agent agent =
        new Agent(
            config,
            prefect,
            tenantId -> new EcsLauncher(config, tenantId, ecs, vpcLookup, clock, limits),
            new SdkEcsTasks(ecs, limits),
            clock,
            metrics,
            writer ->
                CloudWatchForwarding.create(config, ecs, limits.definitionRead(), writer, clock));
    agent.useHandshake(handshake);
    try {
      Signals.onTermination(agent::requestStop, agent::close);
      try {
        agent.start();
      } catch (UncheckedIOException e) {
        throw new ConfigException(
            "cloud.agent.agent_address: "
                + e.getMessage()
                + "; choose a free port with --agent-address or PREFECT__CLOUD__AGENT__AGENT_ADDRESS");
      }
      agent.awaitStopRequest();
      return agent.exitCode();
    } finally {
      agent.close();
      ecs.close();
    }
  }
}
