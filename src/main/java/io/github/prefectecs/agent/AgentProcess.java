package io.github.prefectecs.agent;

import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.ConfigException;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.SdkEcsTasks;
import io.github.prefectecs.agent.logs.CloudWatchForwarding;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.metrics.MeteredPrefectApi;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.startup.Handshake;
import io.github.prefectecs.agent.support.Messages;
import io.github.prefectecs.agent.support.Signals;
import io.github.prefectecs.agent.watch.SpotBreaker;
import java.io.UncheckedIOException;
import java.time.Clock;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The agent as a process: builds the production clients (Prefect GraphQL, AWS ECS and CloudWatch
 * Logs with the account's adaptive rates, metrics), wires them into an {@link Agent}, and runs it
 * until a signal or {@code --max-polls} stops it.
 */
public final class AgentProcess {
  private AgentProcess() {}

  /**
   * Runs the agent until it is stopped (SIGTERM, SIGINT, {@code --max-polls}) and returns the
   * process exit code.
   */
  public static int run(AgentConfig config) {
    Clock clock = Clock.systemUTC();
    // One set of adaptive buckets per process, fed by the client's attempts (see
    // docs/operations.md,
    // "Several agents in one AWS account"); the watcher's DescribeTasks/StopTask share the
    // launcher's.
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
    // The watcher feeds it Spot interruptions, the launcher its capacity failures and reads it.
    SpotBreaker breaker = new SpotBreaker(config.ecs().spotBreaker(), metrics, clock);
    Agent agent =
        AgentAssembly.builder(config)
            .clock(clock)
            .metrics(metrics)
            .api(prefect)
            .launcher(
                tenantId ->
                    new EcsLauncher(config, tenantId, ecs, vpcLookup, clock, limits, breaker))
            .supervision(new SdkEcsTasks(ecs, limits))
            .spotBreaker(breaker)
            .logs(
                shared ->
                    CloudWatchForwarding.create(
                        config,
                        ecs,
                        limits.definitionRead(),
                        shared.writer(),
                        shared.api(),
                        metrics,
                        clock))
            .closing("the ECS client", ecs)
            .build();
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
    }
  }
}
