package io.github.prefectecs.agent.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validates the {@code [cloud.agent.ecs]} table into {@link EcsSettings}: placement (launch type
 * versus capacity provider strategy), networking and template paths. Stateless.
 */
final class EcsSettingsBinder {
  private static final String P = "cloud.agent.ecs.";
  static final Set<String> KEYS =
      Set.of(
          "cluster",
          "launch_type",
          "capacity_provider_strategy",
          "task_role_arn",
          "execution_role_arn",
          "task_definition",
          "run_task_kwargs",
          "subnets",
          "security_groups",
          "assign_public_ip",
          "log_group",
          "api_key_secret_arn",
          "max_run_task_rate",
          "start_timeout",
          "spot_relaunch_limit",
          "forward_logs",
          "max_runtime",
          "orphan_grace",
          "task_tags",
          "spot_breaker_threshold",
          "spot_breaker_window",
          "spot_breaker_cooldown",
          "prices");

  /** Keys that are tables: their leaves sit below them. */
  private static final Set<String> TABLES = Set.of("task_tags", "prices");

  private EcsSettingsBinder() {}

  /**
   * What the {@code [cloud.agent.ecs]} table holds besides the supervision keys ({@link
   * SupervisionBinder}) and the prices ({@link PriceBinder}): the launch and the log settings.
   */
  record EcsTable(EcsSettings ecs, LogSettings logs) {}

  static EcsTable bind(ValueReader r) {
    for (ConfigEntry e : r.config().entriesUnder(List.of("cloud", "agent", "ecs"))) {
      boolean known =
          e.path().size() == 4 ? KEYS.contains(e.path().get(3)) : TABLES.contains(e.path().get(3));
      if (!known) {
        r.problem(e, "unknown ECS setting", "use one of " + String.join(", ", new TreeSet<>(KEYS)));
      }
    }
    Placement placement = placement(r);
    List<String> subnets = r.stringList(P + "subnets", "[\"subnet-1\", \"subnet-2\"]");
    List<String> groups = r.stringList(P + "security_groups", "[\"sg-1\"]");
    Boolean publicIp = assignPublicIp(r);
    String secretArn = r.string(P + "api_key_secret_arn");
    if (secretArn != null && !secretArn.startsWith("arn:")) {
      r.problem(
          r.config().entry(P + "api_key_secret_arn"),
          "not an ARN",
          "give the full Secrets Manager secret or SSM parameter ARN (arn:aws:...)");
    }
    String taskDefinition = localPath(r, "task_definition");
    String runTaskKwargs = localPath(r, "run_task_kwargs");
    String cluster = r.string(P + "cluster");
    String taskRoleArn = r.string(P + "task_role_arn");
    String executionRoleArn = r.string(P + "execution_role_arn");
    String logGroup = r.string(P + "log_group");
    Double maxRunTaskRate = maxRunTaskRate(r);
    Map<String, String> taskTags = LaunchExtrasBinder.taskTags(r);
    SpotBreakerSettings breaker = LaunchExtrasBinder.spotBreaker(r);
    LogForwarding forwardLogs = forwardLogs(r);
    LogSettings logs = new LogSettings(forwardLogs, logGroup);
    if (placement == null) {
      // problems recorded; the caller throws
      return new EcsTable(EcsSettings.defaults(), logs);
    }
    EcsSettings ecs =
        new EcsSettings(
            new EcsSettings.Placement(
                cluster, placement.launchType, placement.strategy, placement.clusterDefault),
            new EcsSettings.Network(subnets, groups, publicIp),
            new EcsSettings.FlowRoles(taskRoleArn, executionRoleArn, secretArn),
            new EcsSettings.Templates(taskDefinition, runTaskKwargs),
            maxRunTaskRate,
            taskTags,
            breaker);
    return new EcsTable(ecs, logs);
  }

  private static Double maxRunTaskRate(ValueReader r) {
    Double rate = r.number(P + "max_run_task_rate");
    if (rate != null && !(rate > 0 && rate <= EcsSettings.MAX_RUN_TASK_RATE_LIMIT)) {
      r.problem(
          r.config().entry(P + "max_run_task_rate"),
          "must be more than 0 and at most 1000 RunTask calls per second",
          "give this agent's share of the account's RunTask quota, e.g. 6.5 for one of three"
              + " agents sharing Fargate's 20/s, or leave it unset to adapt to throttling alone");
      return null;
    }
    return rate;
  }

  private static LogForwarding forwardLogs(ValueReader r) {
    String text = r.string(P + "forward_logs");
    if (text == null) {
      return LogForwarding.NON_PREFECT;
    }
    LogForwarding mode = LogForwarding.parse(text);
    if (mode == null) {
      r.problem(
          r.config().entry(P + "forward_logs"),
          "unknown log forwarding mode",
          "use one of " + LogForwarding.names());
      return LogForwarding.NON_PREFECT;
    }
    return mode;
  }

  private record Placement(
      String launchType, List<CapacityProviderItem> strategy, boolean clusterDefault) {}

  private static Placement placement(ValueReader r) {
    ConfigEntry typeEntry = r.config().entry(P + "launch_type");
    ConfigEntry strategyEntry = r.config().entry(P + "capacity_provider_strategy");
    String launchType = r.string(P + "launch_type");
    boolean hasStrategy =
        strategyEntry != null
            && strategyEntry.value() != null
            && !"".equals(strategyEntry.value())
            && !(strategyEntry.value() instanceof List<?> l && l.isEmpty());
    if (launchType != null && hasStrategy) {
      Origin.Level typeLevel = typeEntry.origin().level();
      Origin.Level strategyLevel = strategyEntry.origin().level();
      if (typeLevel == strategyLevel) {
        r.problem(
            "cloud.agent.ecs.launch_type (from "
                + typeEntry.origin()
                + ") and cloud.agent.ecs.capacity_provider_strategy (from "
                + strategyEntry.origin()
                + "): a launch type and a capacity provider strategy cannot be used together;"
                + " choose one");
        strategy(r, strategyEntry); // its own problems are worth reporting too
        return null;
      }
      // The higher-precedence source wins, e.g. a --launch-type flag over a file's strategy.
      if (typeLevel.compareTo(strategyLevel) > 0) {
        hasStrategy = false;
      } else {
        launchType = null;
      }
    }
    if (launchType != null) {
      String upper = launchType.toUpperCase(Locale.ROOT);
      if (!upper.equals("FARGATE") && !upper.equals("EC2")) {
        r.problem(typeEntry, "unknown launch type", "use FARGATE or EC2");
        return null;
      }
      return new Placement(upper, List.of(), false);
    }
    if (!hasStrategy) {
      return new Placement(null, EcsSettings.DEFAULT_STRATEGY, false);
    }
    CapacityProviderStrategyParser.Parsed parsed = strategy(r, strategyEntry);
    if (parsed == null) {
      return null;
    }
    return parsed.clusterDefault()
        ? new Placement(null, List.of(), true)
        : new Placement(null, parsed.items(), false);
  }

  private static CapacityProviderStrategyParser.Parsed strategy(ValueReader r, ConfigEntry e) {
    List<String> issues = new ArrayList<>();
    CapacityProviderStrategyParser.Parsed parsed =
        CapacityProviderStrategyParser.parse(e.value(), issues);
    for (String issue : issues) {
      r.problem(e, issue, "e.g. FARGATE_SPOT:weight=3,FARGATE:weight=2 or default");
    }
    return parsed;
  }

  private static Boolean assignPublicIp(ValueReader r) {
    ConfigEntry e = r.config().entry(P + "assign_public_ip");
    if (e == null || e.value() == null || "".equals(e.value())) {
      return null;
    }
    if (e.value() instanceof Boolean b) {
      return b;
    }
    String text = String.valueOf(e.value()).strip().toUpperCase(Locale.ROOT);
    if (text.equals("ENABLED")) {
      return true;
    }
    if (text.equals("DISABLED")) {
      return false;
    }
    r.problem(e, "expected ENABLED, DISABLED, true or false", "write one of those");
    return null;
  }

  /** The template path as given; a local path (or file:// URL) must be a readable file. */
  private static String localPath(ValueReader r, String key) {
    String value = r.string(P + key);
    if (value == null) {
      return null;
    }
    String local = value;
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file://") || lower.startsWith("local://")) {
      local = value.substring(value.indexOf("://") + 3);
    } else if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
      return value; // remote (http, https, s3, agent, ...): the launcher loads and checks it
    }
    Path path;
    try {
      path = Path.of(local);
    } catch (InvalidPathException e) {
      r.problem(r.config().entry(P + key), "not a valid path", "give the path of a readable file");
      return value;
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      r.problem(
          r.config().entry(P + key),
          Files.exists(path) ? "not a readable file" : "no such file",
          "give the path of a readable YAML or JSON file, or an http(s):// or s3:// URL");
    }
    return value;
  }
}
