package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.aws.Ec2QueryVpcLookup;
import io.github.prefectecs.agent.aws.VpcLookup;
import io.github.prefectecs.agent.aws.VpcLookupException;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.ecs.LaunchPreview;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the awsvpc network of flow tasks: the configured subnets and security groups exist (one
 * EC2 Describe call each), or, when no subnet is configured, the region's default VPC is found.
 *
 * <p>Stateless.
 */
final class NetworkCheck {
  static final String SUBNETS = "subnets";
  static final String SECURITY_GROUPS = "security groups";

  private static final Pattern EC2_FAILURE = Pattern.compile("EC2 (\\w+) failed \\((.*?)\\)?$");

  private final EcsSettings settings;
  private final Ec2QueryVpcLookup ec2;
  private final String region;

  NetworkCheck(EcsSettings settings, Ec2QueryVpcLookup ec2, String region) {
    this.settings = settings;
    this.ec2 = ec2;
    this.region = region;
  }

  /**
   * @param preview what the launcher would send; null when the template could not be rendered
   */
  List<CheckResult> run(LaunchPreview preview) {
    List<CheckResult> results = new ArrayList<>();
    if (preview != null && preview.networkInKwargs()) {
      results.add(CheckResult.ok(SUBNETS, "networkConfiguration is given in --run-task-kwargs"));
    } else if (!settings.subnets().isEmpty()) {
      results.add(existing(SUBNETS, settings.subnets(), true));
    } else if (preview != null && !preview.fargate()) {
      results.add(CheckResult.ok(SUBNETS, "none needed: tasks are not placed on Fargate"));
    } else {
      results.add(defaultVpc());
    }
    if (!settings.securityGroups().isEmpty()) {
      results.add(existing(SECURITY_GROUPS, settings.securityGroups(), false));
    }
    return results;
  }

  private CheckResult existing(String name, List<String> ids, boolean subnets) {
    List<String> missing = new ArrayList<>();
    try {
      for (String id : ids) {
        if (!(subnets ? ec2.subnetExists(id) : ec2.securityGroupExists(id))) {
          missing.add(id);
        }
      }
    } catch (VpcLookupException e) {
      return ec2Problem(name, e);
    }
    String flag =
        subnets
            ? "--subnet (cloud.agent.ecs.subnets)"
            : "--security-group" + " (cloud.agent.ecs.security_groups)";
    return missing.isEmpty()
        ? CheckResult.ok(name, ids + " exist in " + region)
        : CheckResult.problem(
            name,
            missing + " not found in " + region,
            "correct " + flag + " with ids from the VPC the tasks should run in");
  }

  private CheckResult defaultVpc() {
    Optional<VpcLookup.DefaultVpc> vpc;
    try {
      vpc = ec2.defaultVpc();
    } catch (VpcLookupException e) {
      return ec2Problem(SUBNETS, e);
    }
    if (vpc.isEmpty()) {
      return CheckResult.problem(
          SUBNETS,
          "none configured and " + region + " has no default VPC to infer them from",
          "set --subnet and --security-group (cloud.agent.ecs.subnets, security_groups)");
    }
    if (vpc.get().subnets().isEmpty()) {
      return CheckResult.problem(
          SUBNETS,
          "none configured and the default VPC " + vpc.get().vpcId() + " has no subnets",
          "set --subnet and --security-group (cloud.agent.ecs.subnets, security_groups)");
    }
    return CheckResult.ok(
        SUBNETS,
        "none configured; the default VPC "
            + vpc.get().vpcId()
            + " with "
            + vpc.get().subnets().size()
            + " subnet(s) will be used");
  }

  private static CheckResult ec2Problem(String name, VpcLookupException e) {
    String message = AwsProblems.shorten(e.getMessage());
    if (!message.contains("UnauthorizedOperation") && !message.contains("AccessDenied")) {
      return CheckResult.problem(
          name, message, "check the AWS credentials, AWS_REGION and the network path to EC2");
    }
    // The lookup's message is "EC2 <Action> failed (<code>: <message>)".
    Matcher failed = EC2_FAILURE.matcher(message);
    return failed.find()
        ? AwsProblems.refused(name, "ec2:" + failed.group(1), failed.group(2))
        : AwsProblems.refused(name, "ec2:Describe*", message);
  }
}
