package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunAttempt;
import io.github.prefectecs.agent.watch.ObservedTask;
import io.github.prefectecs.agent.watch.SpotBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Launches flow runs as ECS tasks: one RunTask per run, reusing registered task definitions by
 * content hash, Fargate Spot with an on-demand fallback, and a start-up listing so no run gets a
 * second task.
 *
 * <p>Thread-safe once {@link #start()} returned; {@link #launch} never throws for expected
 * failures. The AWS clients belong to the caller.
 */
public final class EcsLauncher implements Launcher {
  private static final Logger log = LoggerFactory.getLogger(EcsLauncher.class);
  static final Duration RETRY_AFTER = Duration.ofSeconds(15);
  static final String ALREADY_RUNNING =
      "Task already running for this flow run; not starting another";
  static final String SPOT_FALLBACK = "No Fargate Spot capacity; started on FARGATE instead";
  static final String SPOT_RELAUNCH =
      "Relaunched on FARGATE (on-demand), not Fargate Spot: an earlier task of this run was"
          + " interrupted by Spot";

  private final AgentConfig config;
  private final EcsSettings settings;
  private final String tenantId;
  private final EcsClient ecs;
  private final VpcLookup vpcLookup;
  private final Clock clock;
  private final EcsRateLimits limits;
  private final LaunchDocuments documents;
  private final TaskDefinitionRenderer renderer;
  private final TaskDefinitionRegistry registry;
  private final RunTasks tasks;
  private final SpotBreaker breaker;
  private final SpotPlacement spot;
  private volatile ObjectNode agentTemplate;
  private volatile RunTaskArguments arguments;
  private volatile TaskLauncher taskLauncher;

  /**
   * @param config agent configuration ({@code ecs()}, backend, API, key, labels, env, ...)
   * @param tenantId the resolved tenant id; null when unknown or not needed
   * @param ecs ECS client
   * @param vpcLookup default-VPC lookup, used only to infer subnets; may be null when subnets or a
   *     networkConfiguration are configured
   * @param clock wall clock
   * @param limits client-side rate limits ({@link EcsRateLimits#ecsQuotas()} in production)
   */
  public EcsLauncher(
      AgentConfig config,
      String tenantId,
      EcsClient ecs,
      VpcLookup vpcLookup,
      Clock clock,
      EcsRateLimits limits) {
    this(config, tenantId, ecs, vpcLookup, clock, limits, SpotBreaker.off());
  }

  /**
   * As the other constructor, with the Spot circuit breaker the task watcher feeds: while it is
   * open, launches of the agent's own FARGATE_SPOT strategy go to FARGATE, and every run that found
   * no Spot capacity is told to it.
   */
  public EcsLauncher(
      AgentConfig config,
      String tenantId,
      EcsClient ecs,
      VpcLookup vpcLookup,
      Clock clock,
      EcsRateLimits limits,
      SpotBreaker breaker) {
    this.config = config;
    this.settings = config.ecs();
    this.tenantId = tenantId;
    this.ecs = ecs;
    this.vpcLookup = vpcLookup;
    this.clock = clock;
    this.limits = limits;
    String region = AwsClients.region(ecs);
    this.documents = new LaunchDocuments(config, region);
    this.renderer = new TaskDefinitionRenderer(settings, config.logs(), region);
    this.registry = new TaskDefinitionRegistry(ecs, limits);
    this.tasks = new RunTasks(ecs, limits, settings.cluster(), clock);
    this.breaker = breaker;
    this.spot = new SpotPlacement(breaker);
  }

  /**
   * A launcher with adaptive rate limits up to the published ECS quotas (RunTask capped by {@code
   * max_run_task_rate}); throttling reaches them through {@link EcsRateLimits#call}. Give an SDK
   * client built by {@link AwsClients#ecs(AgentConfig, EcsRateLimits)} and the same limits to the
   * constructor to see throttled SDK retries too.
   */
  public static EcsLauncher create(
      AgentConfig config, String tenantId, EcsClient ecs, VpcLookup vpcLookup, Clock clock) {
    return new EcsLauncher(
        config,
        tenantId,
        ecs,
        vpcLookup,
        clock,
        EcsRateLimits.adaptive(config.ecs().maxRunTaskRate()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A throttled or transient start-up listing throws a retryable {@link EcsLaunchException}
   * instead, which the agent retries with backoff.
   */
  @Override
  public Map<String, String> start() {
    agentTemplate = documents.agentTemplate();
    ObjectNode fileKwargs = documents.agentKwargsFile();
    ObjectNode placed =
        RunTaskKwargs.mergeWithPlacement(RunTaskKwargs.placement(settings), fileKwargs);
    ObjectNode inferred = null;
    if (settings.subnets().isEmpty()
        && !RunTaskKwargs.hasNetwork(fileKwargs)
        && RunTaskKwargs.onFargate(placed, settings)) {
      if (vpcLookup == null) {
        throw new IllegalStateException(
            "Failed to infer default networkConfiguration: no EC2 lookup configured; set"
                + " --subnet/--security-group or networkConfiguration in --run-task-kwargs");
      }
      inferred = DefaultNetwork.infer(vpcLookup, settings.securityGroups());
      log.info("Using inferred networkConfiguration {}", Json.write(inferred));
    }
    ObjectNode agentKwargs = RunTaskKwargs.agentKwargs(settings, fileKwargs, inferred);
    LaunchDocuments.validateAtStart(agentTemplate, agentKwargs);
    arguments =
        new RunTaskArguments(
            settings, agentKwargs, new FlowEnvironment(config, tenantId), config.name());
    taskLauncher = new TaskLauncher(ecs, limits, settings, tasks.byRun(), breaker::capacityFailure);
    try {
      tasks.byRun().putAll(RunningTasks.list(ecs, limits, settings.cluster(), config.name()));
    } catch (SdkException e) {
      throw startFailure(
          "Failed to list running tasks in ECS cluster "
              + (settings.cluster() == null ? "default" : settings.cluster())
              + ": ",
          AwsErrors.translate("ListTasks", settings.cluster(), e));
    } catch (EcsLaunchException e) {
      throw startFailure("Failed to list running tasks: ", e);
    }
    log.info("ECS launcher started; {} flow run task(s) already running", tasks.byRun().size());
    return tasks.running();
  }

  /**
   * What {@link #start()} and a launch would prepare, without calling AWS: the agent's task
   * definition template rendered for a flow without run config, and the agent's RunTask arguments,
   * both checked against the ECS request shapes. For {@code agent ecs check}.
   *
   * @throws IllegalStateException naming the file and the problem when either does not fit ECS
   */
  public LaunchPreview preview() {
    ObjectNode template = documents.agentTemplate();
    ObjectNode fileKwargs = documents.agentKwargsFile();
    ObjectNode kwargs = RunTaskKwargs.agentKwargs(settings, fileKwargs, null);
    boolean fargate = RunTaskKwargs.onFargate(kwargs, settings);
    ObjectNode rendered;
    try {
      rendered =
          renderer.render(
              template,
              EcsRunConfig.empty(),
              new Flow("preflight", "preflight-check", null, null, null, null),
              fargate);
      CanonicalDefinition.of(rendered);
      TaskDefinitionRegistry.toRequest(rendered);
      TaskLauncher.toRequest(kwargs);
    } catch (EcsLaunchException | IllegalArgumentException e) {
      throw new IllegalStateException(
          e.getMessage() + " (check --task-definition and --run-task-kwargs)", e);
    }
    return new LaunchPreview(rendered, fargate, RunTaskKwargs.hasNetwork(fileKwargs));
  }

  @Override
  public LaunchResult launch(FlowRun run, int attempt) {
    return launch(run, attempt, (RunAttempt) null);
  }

  /**
   * {@inheritDoc} The RunTask {@code clientToken} is {@code <run id>-<version>-<attempt id>}
   * ({@code <run id>-<version>} without an attempt), and the task is tagged with the attempt.
   */
  @Override
  public LaunchResult launch(FlowRun run, int attempt, RunAttempt runAttempt) {
    if (taskLauncher == null) {
      throw new IllegalStateException("EcsLauncher.launch called before start()");
    }
    LaunchResult waiting = tasks.previousStillStopping(run.id());
    if (waiting != null) {
      return waiting;
    }
    String existing = tasks.current(run.id());
    if (existing != null) {
      return new LaunchResult.Launched(existing, List.of(ALREADY_RUNNING));
    }
    long started = clock.millis();
    try {
      EcsRunConfig runConfig = EcsRunConfig.of(run);
      ObjectNode kwargs = arguments.build(run, runConfig);
      if (runAttempt != null) {
        RunTaskArguments.attempt(kwargs, run, runAttempt);
      }

      List<String> spotNotes = spot.apply(run, runConfig, kwargs, runAttempt == null);
      Duration maxRuntime =
          LaunchDetails.maxRuntime(run, runConfig, config.supervision().maxRuntime());
      Definition definition = taskDefinition(run, runConfig, kwargs);
      LaunchDetails.tag(kwargs, maxRuntime, definition.logs());
      kwargs.put("taskDefinition", definition.arn());
      LaunchResult result = runTask(run, kwargs, definition.arn(), runConfig);
      if (result instanceof LaunchResult.Launched launched) {
        List<String> notes = new java.util.ArrayList<>(launched.notes());
        notes.addAll(spotNotes);
        String where =
            LaunchDetails.where(
                launched.taskArn(), Json.text(kwargs, "cluster"), definition.logs());
        result = new LaunchResult.Launched(launched.taskArn(), notes, where);
      }
      log.debug("Launch of flow run {} took {} ms: {}", run.id(), clock.millis() - started, result);
      return result;
    } catch (EcsLaunchException e) {
      if (e.retryable()) {
        log.warn(
            "Launch of flow run {} (attempt {}) will be retried: {}",
            run.id(),
            attempt,
            e.getMessage());
        return new LaunchResult.Retryable(e.getMessage(), RETRY_AFTER, e.throttled());
      }
      return new LaunchResult.Rejected(e.getMessage());
    }
  }

  private LaunchResult runTask(
      FlowRun run, ObjectNode kwargs, String taskDefinition, EcsRunConfig runConfig) {
    try {
      return taskLauncher.run(run, kwargs);
    } catch (EcsLaunchException e) {
      String message = e.getMessage().toLowerCase(java.util.Locale.ROOT);
      if (runConfig.taskDefinitionArn() == null && message.contains("inactive")) {
        // Someone deregistered the revision we reuse: register it again on the next attempt.
        registry.invalidate(taskDefinition);
        throw EcsLaunchException.retryable(
            "Task definition " + taskDefinition + " is no longer active; registering it again", e);
      }
      throw e;
    }
  }

  /** A task definition to run, and where its flow container logs (null when not known). */
  private record Definition(String arn, ObservedTask.LogStream logs) {}

  private Definition taskDefinition(FlowRun run, EcsRunConfig runConfig, ObjectNode kwargs) {
    if (runConfig.taskDefinitionArn() != null) {
      if (TaskDefinitionRenderer.dockerStorageImage(run.flow().storage()) != null) {
        throw EcsLaunchException.rejected(
            "Flow run "
                + run.id()
                + ": cannot provide `task_definition_arn` when using `Docker` storage");
      }
      return new Definition(runConfig.taskDefinitionArn(), null);
    }
    ObjectNode template = runConfig.taskDefinition();
    if (template == null && runConfig.taskDefinitionPath() != null) {
      template = documents.runTemplate(runConfig.taskDefinitionPath());
    }
    if (template == null) {
      template = agentTemplate;
    }
    boolean fargate = RunTaskKwargs.onFargate(kwargs, settings);
    ObjectNode rendered = renderer.render(template, runConfig, run.flow(), fargate);
    return new Definition(
        registry.arnFor(CanonicalDefinition.of(rendered)), LaunchDetails.logsOf(rendered));
  }

  /** Forgets the task of a run that ended, so a re-scheduled run can be launched again. */
  @Override
  public void forget(String flowRunId) {
    tasks.forget(flowRunId);
  }

  @Override
  public PreviousTask previousTask(String flowRunId) {
    return tasks.previous(flowRunId);
  }

  /**
   * {@inheritDoc}
   *
   * <p>StopTask (on the cluster-modify bucket RunTask uses) is sent now; if it fails it is sent
   * again by the next launch attempt, which looks at the task before anything else.
   */
  @Override
  public void retirePrevious(String flowRunId, String reason) {
    tasks.retire(flowRunId, reason);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Lists the agent's cluster for tasks started by the run (ListTasks {@code startedBy}, live
   * and stopped), reads their tags, and keeps those of the attempt.
   */
  @Override
  public TaskLookup findTask(String flowRunId, String attemptId) {
    return tasks.find(flowRunId, attemptId);
  }

  /** Flow run id to task ARN of the tasks this launcher knows to be running. */
  public Map<String, String> running() {
    return tasks.running();
  }

  @Override
  public void close() {
    // The ECS client and the VPC lookup belong to the caller; only the S3 reader's HTTP client is
    // ours.
    documents.close();
  }

  /**
   * A throttled or transient failure stays an {@link EcsLaunchException}, which the agent retries;
   * anything else is an {@link IllegalStateException}, which stops it.
   */
  private static RuntimeException startFailure(String prefix, EcsLaunchException e) {
    return e.retryable()
        ? EcsLaunchException.retryable(prefix + e.getMessage(), e)
        : new IllegalStateException(prefix + e.getMessage(), e);
  }
}
