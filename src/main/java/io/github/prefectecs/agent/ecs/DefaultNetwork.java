package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;

/**
 * Infers the awsvpc network configuration from the account's default VPC, as the reference agent
 * does: its subnets (default-for-AZ or public ones preferred) with a public IP.
 */
final class DefaultNetwork {
  private static final String FIX =
      "; set --subnet/--security-group or networkConfiguration in --run-task-kwargs";

  private DefaultNetwork() {}

  /**
   * The inferred {@code networkConfiguration}.
   *
   * @throws IllegalStateException with a one-line message when there is no default VPC, it has no
   *     subnets, or EC2 cannot be asked
   */
  static ObjectNode infer(Ec2Client ec2, List<String> securityGroups) {
    try {
      List<Vpc> vpcs = ec2.describeVpcs(r -> r.filters(filter("isDefault", "true"))).vpcs();
      if (vpcs.isEmpty()) {
        throw new IllegalStateException(
            "Failed to infer default networkConfiguration: no default VPC in this region" + FIX);
      }
      String vpcId = vpcs.get(0).vpcId();
      List<Subnet> subnets =
          ec2.describeSubnetsPaginator(r -> r.filters(filter("vpc-id", vpcId))).subnets().stream()
              .toList();
      if (subnets.isEmpty()) {
        throw new IllegalStateException(
            "Failed to infer default networkConfiguration: default VPC "
                + vpcId
                + " has no subnets"
                + FIX);
      }
      List<Subnet> preferred =
          subnets.stream()
              .filter(
                  s ->
                      Boolean.TRUE.equals(s.defaultForAz())
                          || Boolean.TRUE.equals(s.mapPublicIpOnLaunch()))
              .toList();
      ObjectNode network = Json.object();
      ObjectNode awsvpc = network.putObject("awsvpcConfiguration");
      ArrayNode ids = awsvpc.putArray("subnets");
      (preferred.isEmpty() ? subnets : preferred).forEach(s -> ids.add(s.subnetId()));
      if (!securityGroups.isEmpty()) {
        securityGroups.forEach(awsvpc.putArray("securityGroups")::add);
      }
      awsvpc.put("assignPublicIp", "ENABLED");
      return network;
    } catch (SdkException e) {
      throw new IllegalStateException(
          "Failed to infer default networkConfiguration: EC2 DescribeVpcs/DescribeSubnets failed ("
              + DocumentLoader.firstLine(e.getMessage())
              + ")"
              + FIX,
          e);
    }
  }

  private static Filter filter(String name, String value) {
    return Filter.builder().name(name).values(value).build();
  }
}
