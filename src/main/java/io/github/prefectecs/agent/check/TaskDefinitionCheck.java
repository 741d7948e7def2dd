package io.github.prefectecs.agent.check;

import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.config.LogSettings;
import io.github.prefectecs.agent.ecs.LaunchPreview;
import io.github.prefectecs.agent.support.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Checks that the task definition template renders into a definition ECS accepts (the launcher's
 * own rendering and validation, see {@code EcsLauncher.preview()}), with what Fargate requires, and
 * that the role and secret ARNs given are well-formed.
 *
 * <p>Stateless.
 */
final class TaskDefinitionCheck {
  static final String DEFINITION = "task definition";
  static final String TASK_ROLE = "task role";
  static final String EXECUTION_ROLE = "execution role";
  static final String SECRET = "API key secret";

  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
  private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
  private static final Pattern SECRET_ARN =
      Pattern.compile(
          "arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+|ssm:[a-z0-9-]+:\\d{12}:parameter/.+)");

  private final EcsSettings settings;
  private final LogSettings logs;
  private final Supplier<LaunchPreview> launcher;
  private LaunchPreview preview;

  TaskDefinitionCheck(EcsSettings settings, LogSettings logs, Supplier<LaunchPreview> launcher) {
    this.settings = settings;
    this.logs = logs;
    this.launcher = launcher;
  }

  /** The rendered preview after {@link #run()}; null when it could not be rendered. */
  LaunchPreview preview() {
    return preview;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    results.add(definition());
    results.add(taskRole());
    results.add(executionRole());
    if (settings.apiKeySecretArn() != null) {
      results.add(
          SECRET_ARN.matcher(settings.apiKeySecretArn()).matches()
              ? CheckResult.ok(SECRET, "a well-formed Secrets Manager or SSM parameter ARN")
              : CheckResult.problem(
                  SECRET,
                  "'" + settings.apiKeySecretArn() + "' is not a Secrets Manager or SSM ARN",
                  "set --api-key-secret-arn to arn:aws:secretsmanager:<region>:<account>:secret:<name>"));
    }
    return results;
  }

  private CheckResult definition() {
    try {
      preview = launcher.get();
    } catch (RuntimeException e) {
      // Whatever the launcher's start-up would fail with (file, S3, template, kwargs) is a problem
      // of the set-up, reported as one line like the others.
      String message = Messages.firstLine(e);
      if (message.contains("S3 answered HTTP 403")) {
        return AwsProblems.refused(DEFINITION, "s3:GetObject", message);
      }
      return CheckResult.problem(
          DEFINITION,
          AwsProblems.shorten(message),
          "correct the template (--task-definition, cloud.agent.ecs.task_definition) or the"
              + " kwargs file (--run-task-kwargs)");
    }
    if (preview.fargate()) {
      List<String> missing = new ArrayList<>();
      if (!"awsvpc".equals(preview.field("networkMode"))) {
        missing.add("networkMode: awsvpc");
      }
      for (String field : new String[] {"cpu", "memory"}) {
        if (preview.field(field) == null) {
          missing.add(field);
        }
      }
      if (!missing.isEmpty()) {
        return CheckResult.problem(
            DEFINITION,
            "Fargate needs " + String.join(", ", missing) + " in the task definition",
            "add them to the template (--task-definition) or run on EC2 (--launch-type EC2)");
      }
    }
    return CheckResult.ok(
        DEFINITION,
        "renders and is valid: family "
            + preview.field("family")
            + ", cpu "
            + preview.field("cpu")
            + ", memory "
            + preview.field("memory")
            + (preview.fargate() ? ", Fargate" : ""));
  }

  private CheckResult taskRole() {
    String role = settings.taskRoleArn();
    if (role == null) {
      return CheckResult.ok(TASK_ROLE, "none given: flow code runs without AWS permissions");
    }
    if (ROLE_ARN.matcher(role).matches()) {
      return CheckResult.ok(TASK_ROLE, "a well-formed IAM role ARN");
    }
    return ROLE_NAME.matcher(role).matches()
        ? CheckResult.ok(TASK_ROLE, "a role name; ECS resolves it in this account")
        : CheckResult.problem(
            TASK_ROLE,
            "'" + role + "' is neither an IAM role ARN nor a role name",
            "set --task-role-arn to arn:aws:iam::<account>:role/<name>");
  }

  private CheckResult executionRole() {
    String role = settings.executionRoleArn();
    if (role == null && preview != null) {
      role = preview.field("executionRoleArn");
    }
    if (role == null) {
      boolean needed = logs.logGroup() != null || settings.apiKeySecretArn() != null;
      return needed
          ? CheckResult.problem(
              EXECUTION_ROLE,
              "none given, but tasks send logs to CloudWatch or read the API key secret",
              "set --execution-role-arn to a role with AmazonECSTaskExecutionRolePolicy")
          : CheckResult.ok(EXECUTION_ROLE, "none given; needed only for private images and logs");
    }
    return ROLE_ARN.matcher(role).matches()
        ? CheckResult.ok(EXECUTION_ROLE, "a well-formed IAM role ARN")
        : CheckResult.problem(
            EXECUTION_ROLE,
            "'" + role + "' is not an IAM role ARN",
            "set --execution-role-arn to arn:aws:iam::<account>:role/<name>");
  }
}
