package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.config.CapacityProviderItem;
import io.github.prefectecs.agent.config.EcsSettings;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Cluster;
import software.amazon.awssdk.services.ecs.model.DescribeClustersResponse;

/**
 * Checks the ECS cluster with one DescribeClusters: it exists, is ACTIVE, and has the capacity
 * providers the configured strategy names (or a default strategy when the agent uses the
 * cluster's).
 *
 * <p>Stateless; the ECS client belongs to the caller.
 */
final class ClusterCheck {
  static final String CLUSTER = "ECS cluster";
  static final String PROVIDERS = "capacity providers";

  private final EcsSettings settings;
  private final EcsClient ecs;
  private final String region;

  ClusterCheck(EcsSettings settings, EcsClient ecs, String region) {
    this.settings = settings;
    this.ecs = ecs;
    this.region = region;
  }

  List<CheckResult> run() {
    String name = settings.cluster() == null ? "default" : settings.cluster();
    DescribeClustersResponse response;
    try {
      response = ecs.describeClusters(r -> r.clusters(name));
    } catch (SdkException e) {
      return List.of(AwsProblems.of(CLUSTER, "ecs:DescribeClusters", e));
    }
    if (response.clusters().isEmpty()) {
      return List.of(
          CheckResult.problem(
              CLUSTER,
              "cluster " + name + " not found in " + region,
              "create it (aws ecs create-cluster --cluster-name "
                  + name
                  + ") or name an existing one with --cluster (cloud.agent.ecs.cluster)"));
    }
    Cluster cluster = response.clusters().get(0);
    if (!"ACTIVE".equals(cluster.status())) {
      return List.of(
          CheckResult.problem(
              CLUSTER,
              "cluster " + name + " is " + cluster.status() + ", not ACTIVE",
              "create it again or name an ACTIVE cluster with --cluster (cloud.agent.ecs.cluster)"));
    }
    return List.of(
        CheckResult.ok(CLUSTER, name + " is ACTIVE in " + region), providers(name, cluster));
  }

  private CheckResult providers(String name, Cluster cluster) {
    if (settings.launchType() != null) {
      return CheckResult.ok(
          PROVIDERS, "not needed: launch type " + settings.launchType() + " is used");
    }
    if (settings.useClusterDefaultStrategy()) {
      return cluster.defaultCapacityProviderStrategy().isEmpty()
          ? CheckResult.problem(
              PROVIDERS,
              "the agent uses the cluster's default strategy but " + name + " has none",
              putProviders(name, List.of("FARGATE")))
          : CheckResult.ok(PROVIDERS, "the cluster's default strategy is used");
    }
    List<String> wanted =
        settings.capacityProviderStrategy().stream().map(CapacityProviderItem::provider).toList();
    List<String> missing =
        wanted.stream().filter(p -> !cluster.capacityProviders().contains(p)).toList();
    if (missing.isEmpty()) {
      return CheckResult.ok(PROVIDERS, "the strategy's " + wanted + " are attached to " + name);
    }
    return CheckResult.problem(
        PROVIDERS,
        "cluster " + name + " lacks " + missing + " that the capacity provider strategy uses",
        putProviders(name, wanted)
            + ", or change --capacity-provider-strategy / use --launch-type FARGATE");
  }

  private static String putProviders(String cluster, List<String> providers) {
    return "attach them (aws ecs put-cluster-capacity-providers --cluster "
        + cluster
        + " --capacity-providers "
        + String.join(" ", providers)
        + " --default-capacity-provider-strategy capacityProvider="
        + providers.get(providers.size() - 1)
        + ",weight=1)";
  }
}
