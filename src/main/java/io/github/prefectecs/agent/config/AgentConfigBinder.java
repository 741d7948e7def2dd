package io.github.prefectecs.agent.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates a {@link ResolvedConfig} into an {@link AgentConfig}, reporting every problem at once
 * as one {@link ConfigException}. Stateless.
 */
final class AgentConfigBinder {
  static final List<String> LOG_LEVELS = List.of("DEBUG", "INFO", "WARNING", "ERROR");

  private AgentConfigBinder() {}

  static AgentConfig bind(ResolvedConfig config) {
    ValueReader r = new ValueReader(config);
    Backend backend = backend(r);
    URI api = api(r, backend);
    String name = r.string("cloud.agent.name");
    List<String> labels =
        new ArrayList<>(
            new LinkedHashSet<>(r.stringList("cloud.agent.labels", "[\"dev\", \"ecs\"]")));
    Map<String, String> envVars = r.stringMap("cloud.agent.env_vars", "{\"KEY\": \"value\"}");
    Long maxPolls = r.integer("cloud.agent.max_polls");
    if (maxPolls != null && maxPolls < 0) {
      r.problem(config.entry("cloud.agent.max_polls"), "must be 0 or more", "use a count >= 0");
    }
    URI agentAddress = agentAddress(r);
    Boolean sendLogs = r.bool("cloud.send_flow_run_logs");
    String level = logLevel(r);
    String flowLevel = r.string("logging.level");
    boolean json = "json".equals(logFormat(r));
    Duration timeout = requestTimeout(r);
    Long launches = r.integer("cloud.agent.max_concurrent_launches");
    if (launches != null && (launches < 1 || launches > 10_000)) {
      r.problem(
          config.entry("cloud.agent.max_concurrent_launches"),
          "must be between 1 and 10000",
          "set a number of launch slots such as 10");
      launches = null;
    }
    EcsSettingsBinder.EcsTable ecs = EcsSettingsBinder.bind(r);
    AwsSecretCredentials aws = AwsCredentialsBinder.bind(r);
    Secret apiKey = Secret.of(r.string("cloud.api_key"));
    String tenantId = r.string("cloud.tenant_id");
    Secret authToken = Secret.of(r.string("cloud.agent.auth_token"));
    String agentConfigId = r.string("cloud.agent.agent_config_id");
    Secret slackWebhook = slackWebhook(r);
    SupervisionSettings supervision = SupervisionBinder.bind(r, slackWebhook);
    CostSettings cost = PriceBinder.bind(r);
    if (!r.problems().isEmpty()) {
      throw new ConfigException(r.problems());
    }
    return new AgentConfig(
        name == null ? "agent" : name,
        labels,
        new PrefectConnection(
            backend,
            api,
            apiKey,
            tenantId,
            authToken,
            agentConfigId,
            timeout == null ? Duration.ofSeconds(15) : timeout),
        new FlowDefaults(
            envVars, sendLogs == null || sendLogs, flowLevel == null ? "INFO" : flowLevel),
        ecs.ecs(),
        supervision,
        ecs.logs(),
        cost,
        new Operations(
            agentAddress,
            level == null ? "INFO" : level,
            json,
            maxPolls == null ? null : Math.toIntExact(maxPolls),
            launches == null ? 10 : Math.toIntExact(launches)),
        aws);
  }

  private static Secret slackWebhook(ValueReader r) {
    String url = r.string("context.secrets.SLACK_WEBHOOK_URL");
    if (url != null && !url.startsWith("https://") && !url.startsWith("http://")) {
      // The value is a secret: the problem names the key, never the value.
      r.problem(
          r.config().entry("context.secrets.SLACK_WEBHOOK_URL"),
          "not an http(s) URL",
          "give the Slack incoming-webhook URL (https://hooks.slack.com/services/...)");
      return Secret.empty();
    }
    return Secret.of(url);
  }

  private static Backend backend(ValueReader r) {
    String value = r.string("backend");
    if (value == null) {
      return Backend.CLOUD;
    }
    for (Backend b : Backend.values()) {
      if (b.configName().equalsIgnoreCase(value)) {
        return b;
      }
    }
    r.problem(
        r.config().entry("backend"),
        "unknown backend",
        "use \"server\" for a self-hosted Prefect Server or \"cloud\" for Prefect Cloud");
    return null;
  }

  private static URI api(ValueReader r, Backend backend) {
    ConfigEntry e = r.config().entry("cloud.api");
    String value = r.string("cloud.api");
    if (value == null && backend == null) {
      return null; // derived from the unknown backend; that problem is already reported
    }
    String fix =
        "set an http(s) URL such as http://localhost:4200 with --api or PREFECT__CLOUD__API";
    if (value == null) {
      r.problem(
          e == null ? "cloud.api is not set; " + fix : ValueReader.describe(e) + ": empty; " + fix);
      return null;
    }
    while (value.endsWith("/")) {
      value = value.substring(0, value.length() - 1);
    }
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException ignored) {
      // reported below, with the key and origin
    }
    r.problem(e, "not an http(s) URL", fix);
    return null;
  }

  private static URI agentAddress(ValueReader r) {
    String value = r.string("cloud.agent.agent_address");
    if (value == null) {
      return null;
    }
    try {
      return AgentAddressParser.parse(value);
    } catch (IllegalArgumentException e) {
      r.problem(
          r.config().entry("cloud.agent.agent_address"),
          e.getMessage(),
          "or leave it empty to turn the health server off");
      return null;
    }
  }

  private static String logLevel(ValueReader r) {
    String value = r.string("cloud.agent.level");
    if (value == null) {
      return null;
    }
    String upper = value.toUpperCase(Locale.ROOT);
    if (upper.equals("WARN")) {
      return "WARNING";
    }
    if (LOG_LEVELS.contains(upper)) {
      return upper;
    }
    r.problem(
        r.config().entry("cloud.agent.level"),
        "unknown log level",
        "use one of DEBUG, INFO, WARNING, ERROR");
    return null;
  }

  private static String logFormat(ValueReader r) {
    String value = r.string("cloud.agent.log_format");
    if (value == null) {
      return "text";
    }
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.equals("text") || lower.equals("json")) {
      return lower;
    }
    r.problem(
        r.config().entry("cloud.agent.log_format"),
        "unknown log format",
        "use \"text\" (for people) or \"json\" (JSON lines for CloudWatch)");
    return null;
  }

  private static Duration requestTimeout(ValueReader r) {
    Double seconds = r.number("cloud.request_timeout");
    if (seconds == null) {
      return null;
    }
    if (seconds <= 0 || seconds > 86_400) {
      r.problem(
          r.config().entry("cloud.request_timeout"),
          "must be more than 0 and at most 86400 seconds",
          "set a timeout in seconds such as 15");
      return null;
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }
}
