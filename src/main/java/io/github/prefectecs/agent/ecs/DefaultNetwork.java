package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.aws.VpcLookupException;
import java.util.List;

/**
 * Infers the awsvpc network configuration from the account's default VPC, as the reference agent
 * does: its subnets (default-for-AZ or public ones preferred) with a public IP.
 */
public final class DefaultNetwork {
  private static final String FIX =
      "; set --subnet/--security-group or networkConfiguration in --run-task-kwargs";

  private DefaultNetwork() {}

  /**
   * The inferred {@code networkConfiguration}.
   *
   * @throws IllegalStateException with a one-line message when there is no default VPC, it has no
   *     subnets, or EC2 refuses the call
   * @throws EcsLaunchException (retryable) when EC2 stayed throttled or unreachable
   */
  public static ObjectNode infer(VpcLookup lookup, List<String> securityGroups) {
    VpcLookup.DefaultVpc vpc;
    try {
      vpc =
          lookup
              .defaultVpc()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "Failed to infer default networkConfiguration: no default VPC in this"
                              + " region"
                              + FIX));
    } catch (VpcLookupException e) {
      String message = "Failed to infer default networkConfiguration: " + e.getMessage();
      if (e.retryable()) {
        // Throttled or unreachable: the agent tries the start-up again later.
        throw EcsLaunchException.retryable(message, e);
      }
      throw new IllegalStateException(message + FIX, e);
    }
    List<VpcLookup.Subnet> subnets = vpc.subnets();
    if (subnets.isEmpty()) {
      throw new IllegalStateException(
          "Failed to infer default networkConfiguration: default VPC "
              + vpc.vpcId()
              + " has no subnets"
              + FIX);
    }
    List<VpcLookup.Subnet> preferred =
        subnets.stream().filter(s -> s.defaultForAz() || s.mapPublicIpOnLaunch()).toList();
    ObjectNode network = Json.object();
    ObjectNode awsvpc = network.putObject("awsvpcConfiguration");
    ArrayNode ids = awsvpc.putArray("subnets");
    (preferred.isEmpty() ? subnets : preferred).forEach(s -> ids.add(s.subnetId()));
    if (!securityGroups.isEmpty()) {
      securityGroups.forEach(awsvpc.putArray("securityGroups")::add);
    }
    awsvpc.put("assignPublicIp", "ENABLED");
    return network;
  }
}
