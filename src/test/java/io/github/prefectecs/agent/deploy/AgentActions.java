package io.github.prefectecs.agent.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.prefectecs.agent.deploy.AwsCallRecorder.AwsCall;
import io.github.prefectecs.agent.deploy.PolicyEvaluator.Authorization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What IAM authorizes for each AWS call the agent makes: the action, the resource ARN it is on
 * (from the request, or the response where the ARN is made by the call), the condition keys it
 * carries, and the actions a call implies without being one ({@code iam:PassRole} for the roles it
 * hands to ECS, {@code ecs:TagResource} for tags on create).
 *
 * <p>To cover a new call the agent makes (say {@code logs:GetLogEvents}), add one line to {@link
 * #RULES}; the policy test then fails until {@code deploy/agent.yaml} allows it. An action the
 * policy allows that no test run calls goes in {@link #NOT_CALLED} with the reason.
 *
 * <p>Resource forms follow the Service Authorization Reference's resource types (as cfn-lint's copy
 * of it lists them): {@code task-definition} for RunTask and RegisterTaskDefinition, {@code task}
 * for DescribeTasks, StopTask and tag-on-create, {@code cluster} for DescribeClusters, {@code
 * log-group} for FilterLogEvents, CreateLogGroup and DescribeLogStreams, {@code log-stream} for
 * GetLogEvents, {@code role} for PassRole; none (so {@code *}) for DescribeTaskDefinition,
 * ListTaskDefinitions, DescribeLogGroups and the EC2 Describe calls. ListTasks names no container
 * instance on Fargate, so it is {@code *} with {@code ecs:cluster}.
 */
final class AgentActions {
  private AgentActions() {}

  /** The account the calls were made in. */
  record Account(String partition, String region, String id) {
    String ecs(String resource) {
      return "arn:" + partition + ":ecs:" + region + ":" + id + ":" + resource;
    }

    String logGroup(String name) {
      return "arn:" + partition + ":logs:" + region + ":" + id + ":log-group:" + name;
    }

    String cluster(String nameOrArn) {
      String name = nameOrArn == null || nameOrArn.isEmpty() ? "default" : nameOrArn;
      return name.startsWith("arn:") ? name : ecs("cluster/" + name);
    }

    String clusterName(String nameOrArn) {
      String arn = cluster(nameOrArn);
      return arn.substring(arn.lastIndexOf('/') + 1);
    }

    String task(String cluster, String idOrArn) {
      return idOrArn.startsWith("arn:")
          ? idOrArn
          : ecs("task/" + clusterName(cluster) + "/" + idOrArn);
    }

    String taskDefinition(String familyOrArn) {
      return familyOrArn.startsWith("arn:") ? familyOrArn : ecs("task-definition/" + familyOrArn);
    }
  }

  private static final String ECS_TASKS = "ecs-tasks.amazonaws.com";

  /** IAM action to the authorizations one call of it needs. */
  static final Map<String, BiFunction<AwsCall, Account, List<Authorization>>> RULES =
      Map.ofEntries(
          Map.entry("ecs:RunTask", AgentActions::runTask),
          Map.entry("ecs:RegisterTaskDefinition", AgentActions::registerTaskDefinition),
          Map.entry("ecs:DescribeTaskDefinition", (c, a) -> star(c)),
          Map.entry("ecs:ListTaskDefinitions", (c, a) -> star(c)),
          Map.entry(
              "ecs:ListTasks",
              (c, a) ->
                  List.of(
                      new Authorization(
                          c.action(),
                          "*",
                          Map.of("ecs:cluster", a.cluster(text(c.request(), "cluster")))))),
          Map.entry("ecs:DescribeTasks", AgentActions::describeTasks),
          Map.entry("ecs:StopTask", AgentActions::stopTask),
          Map.entry(
              "ecs:DescribeClusters",
              (c, a) -> {
                List<Authorization> out = new ArrayList<>();
                c.request()
                    .path("clusters")
                    .forEach(n -> out.add(Authorization.of(c.action(), a.cluster(n.asText()))));
                return out.isEmpty() ? List.of(Authorization.of(c.action(), a.cluster(null))) : out;
              }),
          Map.entry("logs:FilterLogEvents", AgentActions::onLogGroup),
          Map.entry("logs:CreateLogGroup", AgentActions::onLogGroup),
          Map.entry("logs:DescribeLogStreams", AgentActions::onLogGroup),
          Map.entry(
              "logs:GetLogEvents",
              (c, a) ->
                  List.of(
                      Authorization.of(
                          c.action(),
                          a.logGroup(text(c.request(), "logGroupName"))
                              + ":log-stream:"
                              + text(c.request(), "logStreamName")))),
          Map.entry("logs:DescribeLogGroups", (c, a) -> star(c)),
          Map.entry("ec2:DescribeVpcs", (c, a) -> star(c)),
          Map.entry("ec2:DescribeSubnets", (c, a) -> star(c)),
          Map.entry("ec2:DescribeSecurityGroups", (c, a) -> star(c)),
          Map.entry(
              "s3:GetObject",
              (c, a) ->
                  List.of(
                      Authorization.of(
                          c.action(),
                          "arn:" + a.partition() + ":s3:::" + c.path().replaceFirst("^/", "")))));

  /**
   * Actions the agent policy allows that the policy test does not see called, with the reason. A
   * reason must say why the action is still needed.
   */
  static final Map<String, String> NOT_CALLED = Map.of();

  /**
   * The authorizations {@code call} needs.
   *
   * @throws IllegalStateException for a call no rule covers: add one to {@link #RULES}
   */
  static List<Authorization> of(AwsCall call, Account account) {
    BiFunction<AwsCall, Account, List<Authorization>> rule = RULES.get(call.action());
    if (rule == null) {
      throw new IllegalStateException(
          "the agent called "
              + call.action()
              + ", which AgentActions.RULES does not map to IAM authorizations: add it there");
    }
    return rule.apply(call, account);
  }

  private static List<Authorization> star(AwsCall call) {
    return List.of(Authorization.of(call.action(), "*"));
  }

  private static List<Authorization> runTask(AwsCall call, Account account) {
    JsonNode request = call.request();
    String cluster = account.cluster(text(request, "cluster"));
    List<Authorization> out = new ArrayList<>();
    out.add(
        new Authorization(
            call.action(),
            account.taskDefinition(text(request, "taskDefinition")),
            Map.of("ecs:cluster", cluster)));
    JsonNode overrides = request.path("overrides");
    passRole(out, account, text(overrides, "taskRoleArn"));
    passRole(out, account, text(overrides, "executionRoleArn"));
    if (!request.path("tags").isEmpty()) {
      List<String> created = new ArrayList<>();
      call.response().path("tasks").forEach(t -> created.add(t.path("taskArn").asText()));
      if (created.isEmpty()) {
        created.add(account.task(cluster, "(not created)"));
      }
      created.forEach(arn -> out.add(tagOnCreate(arn, "RunTask")));
    }
    return out;
  }

  private static List<Authorization> registerTaskDefinition(AwsCall call, Account account) {
    JsonNode request = call.request();
    String arn = call.response().path("taskDefinition").path("taskDefinitionArn").asText(null);
    String definition = arn != null ? arn : account.taskDefinition(text(request, "family"));
    List<Authorization> out = new ArrayList<>();
    out.add(Authorization.of(call.action(), definition));
    passRole(out, account, text(request, "taskRoleArn"));
    passRole(out, account, text(request, "executionRoleArn"));
    if (!request.path("tags").isEmpty()) {
      out.add(tagOnCreate(definition, "RegisterTaskDefinition"));
    }
    return out;
  }

  private static List<Authorization> describeTasks(AwsCall call, Account account) {
    String cluster = account.cluster(text(call.request(), "cluster"));
    List<Authorization> out = new ArrayList<>();
    call.request()
        .path("tasks")
        .forEach(
            t ->
                out.add(
                    new Authorization(
                        call.action(),
                        account.task(cluster, t.asText()),
                        Map.of("ecs:cluster", cluster))));
    return out;
  }

  private static List<Authorization> stopTask(AwsCall call, Account account) {
    String cluster = account.cluster(text(call.request(), "cluster"));
    return List.of(
        new Authorization(
            call.action(),
            account.task(cluster, text(call.request(), "task")),
            Map.of("ecs:cluster", cluster)));
  }

  private static List<Authorization> onLogGroup(AwsCall call, Account account) {
    String identifier = text(call.request(), "logGroupIdentifier");
    String group =
        identifier != null && identifier.startsWith("arn:")
            ? identifier.replaceFirst(":\\*$", "")
            : account.logGroup(
                identifier != null ? identifier : text(call.request(), "logGroupName"));
    return List.of(Authorization.of(call.action(), group));
  }

  private static void passRole(List<Authorization> out, Account account, String role) {
    if (role != null) {
      // A task role may be given by name; IAM authorizes its ARN.
      String arn =
          role.startsWith("arn:")
              ? role
              : "arn:" + account.partition() + ":iam::" + account.id() + ":role/" + role;
      out.add(new Authorization("iam:PassRole", arn, Map.of("iam:PassedToService", ECS_TASKS)));
    }
  }

  private static Authorization tagOnCreate(String resource, String createAction) {
    return new Authorization("ecs:TagResource", resource, Map.of("ecs:CreateAction", createAction));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? value.asText() : null;
  }
}
