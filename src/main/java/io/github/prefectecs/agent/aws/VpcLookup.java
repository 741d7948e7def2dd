package io.github.prefectecs.agent.aws;

import java.util.List;
import java.util.Optional;

/**
 * Finds the account's default VPC and its subnets in the agent's region, for inferring the awsvpc
 * network configuration of flow tasks.
 *
 * <p>Implementations are thread-safe.
 */
public interface VpcLookup {
  /**
   * The default VPC with all its subnets, or empty when the region has no default VPC.
   *
   * @throws VpcLookupException when EC2 cannot be asked or answers with an error
   */
  Optional<DefaultVpc> defaultVpc();

  /**
   * The default VPC.
   *
   * @param vpcId its id ({@code vpc-...})
   * @param subnets all its subnets, in the order EC2 listed them
   */
  record DefaultVpc(String vpcId, List<Subnet> subnets) {
    public DefaultVpc {
      if (vpcId == null || vpcId.isBlank()) {
        throw new IllegalArgumentException("default VPC id must not be blank");
      }
      subnets = List.copyOf(subnets);
    }
  }

  /**
   * One subnet of the default VPC.
   *
   * @param subnetId its id ({@code subnet-...})
   * @param availabilityZone its availability zone, e.g. {@code us-east-1a}
   * @param defaultForAz whether it is the default subnet of its availability zone
   * @param mapPublicIpOnLaunch whether instances launched in it get a public IP
   */
  record Subnet(
      String subnetId, String availabilityZone, boolean defaultForAz, boolean mapPublicIpOnLaunch) {
    public Subnet {
      if (subnetId == null || subnetId.isBlank()) {
        throw new IllegalArgumentException("subnet id must not be blank");
      }
      availabilityZone = availabilityZone == null ? "" : availabilityZone;
    }
  }
}
