package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.ecs.EcsLauncher;
import io.github.prefectecs.agent.ecs.LaunchPreview;
import io.github.prefectecs.agent.prefect.GraphqlPrefectApi;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.support.Messages;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * {@code agent ecs check}: everything a first deploy needs, checked without starting, registering
 * or launching anything. Prints one line per check and answers the exit code (0 all hold, 1
 * otherwise).
 *
 * <p>Not thread-safe; run once, then close (closes the clients it built).
 */
public final class Preflight implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);
  static final String AWS = "AWS";

  /**
   * What the checks talk to.
   *
   * @param api the Prefect API
   * @param ecs the ECS client; null when it could not be built ({@code awsProblem} says why)
   * @param ec2 EC2 lookups (default VPC, subnets, security groups)
   * @param logs the CloudWatch Logs client
   * @param region the AWS region in use
   * @param preview renders the agent's task definition as the launcher would
   * @param awsProblem why the AWS clients could not be built, else null
   */
  public record Targets(
      PrefectApi api,
      EcsClient ecs,
      Ec2QueryVpcLookup ec2,
      CloudWatchLogsClient logs,
      String region,
      Supplier<LaunchPreview> preview,
      CheckResult awsProblem) {}

  private final AgentConfig config;
  private final Targets targets;
  private final List<AutoCloseable> owned;

  public Preflight(AgentConfig config, Targets targets) {
    this(config, targets, List.of());
  }

  private Preflight(AgentConfig config, Targets targets, List<AutoCloseable> owned) {
    this.config = config;
    this.targets = targets;
    this.owned = List.copyOf(owned);
  }

  /** A preflight with the clients {@code ecs start} would build from {@code config}. */
  public static Preflight create(AgentConfig config) {
    PrefectApi api = GraphqlPrefectApi.create(config);
    List<AutoCloseable> owned = new ArrayList<>(List.of(api));
    EcsClient ecs;
    CloudWatchLogsClient logs;
    try {
      ecs = AwsClients.ecs(config);
      owned.add(ecs);
      logs = AwsClients.logs(config);
      owned.add(logs);
    } catch (SdkClientException e) {
      String message = String.valueOf(e.getMessage());
      CheckResult problem =
          CheckResult.problem(
              AWS,
              message.contains("Unable to load region")
                  ? "the AWS region is not set"
                  : "cannot build the AWS clients: " + Messages.firstLine(message),
              "set AWS_REGION (ECS and Fargate set it for you) or a region in the AWS profile");
      return new Preflight(config, new Targets(api, null, null, null, null, null, problem), owned);
    }
    String region = AwsClients.region(ecs);
    Ec2QueryVpcLookup ec2 = Ec2QueryVpcLookup.create(AwsClients.credentials(config), region);
    Supplier<LaunchPreview> preview =
        () -> {
          EcsLauncher launcher =
              EcsLauncher.create(config, config.tenantId(), ecs, ec2, Clock.systemUTC());
          try {
            return launcher.preview();
          } finally {
            launcher.close();
          }
        };
    return new Preflight(config, new Targets(api, ecs, ec2, logs, region, preview, null), owned);
  }

  /** Runs every check, Prefect first, and returns the results in order. */
  public List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>(new PrefectChecks(config, targets.api()).run());
    if (targets.awsProblem() != null) {
      results.add(targets.awsProblem());
      return results;
    }
    results.addAll(new ClusterCheck(config.ecs(), targets.ecs(), targets.region()).run());
    TaskDefinitionCheck definition =
        new TaskDefinitionCheck(config.ecs(), config.logs(), targets.preview());
    List<CheckResult> definitionResults = definition.run();
    results.addAll(
        new NetworkCheck(config.ecs(), targets.ec2(), targets.region()).run(definition.preview()));
    results.addAll(definitionResults);
    results.add(new LogGroupCheck(config.logs().logGroup(), targets.logs()).run());
    results.add(new LogReadCheck(config.logs(), targets.logs()).run());
    return results;
  }

  /** Runs the checks, prints one line each and a summary; returns 0 when all hold, else 1. */
  public int report(PrintStream out) {
    List<CheckResult> results = run();
    results.forEach(r -> out.println(r.line()));
    long problems = results.stream().filter(r -> !r.ok()).count();
    out.println(
        problems == 0
            ? "All " + results.size() + " checks hold; ready for 'agent ecs start'."
            : problems + " of " + results.size() + " checks found a problem.");
    return problems == 0 ? 0 : 1;
  }

  @Override
  public void close() {
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing a client cannot change the check's outcome.
        LOG.debug("Closing {} failed", c, e);
      }
    }
  }
}
