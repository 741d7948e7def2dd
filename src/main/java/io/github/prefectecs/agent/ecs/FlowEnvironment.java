package io.github.prefectecs.agent.ecs;

import io.github.prefectecs.agent.config.AgentConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment of the flow container override, built as the reference agent builds it: the
 * config log level, then the agent's env, then the run config's env, then the fixed Prefect
 * variables, which always win.
 *
 * <p>Immutable and thread-safe.
 */
final class FlowEnvironment {
  static final String API_KEY = "PREFECT__CLOUD__API_KEY";
  static final String AUTH_TOKEN = "PREFECT__CLOUD__AUTH_TOKEN";
  private final AgentConfig config;
  private final String tenantId;

  FlowEnvironment(AgentConfig config, String tenantId) {
    this.config = config;
    this.tenantId = tenantId;
  }

  /** The environment for one run, in insertion order; values may carry secrets. */
  Map<String, String> forRun(String flowRunId, String flowId, Map<String, String> runEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PREFECT__LOGGING__LEVEL", config.flowLogLevel());
    env.putAll(config.envVars());
    env.putAll(runEnv);
    env.putAll(fixed(flowRunId, flowId));
    if (config.ecs().apiKeySecretArn() != null) {
      // The key reaches the container as an ECS secret from the task definition instead.
      env.remove(API_KEY);
      env.remove(AUTH_TOKEN);
    }
    return env;
  }

  private Map<String, String> fixed(String flowRunId, String flowId) {
    String apiKey = config.apiKey().reveal();
    String authToken = config.authToken().isPresent() ? config.authToken().reveal() : apiKey;
    String logs = Boolean.toString(config.sendFlowRunLogs()).toLowerCase(Locale.ROOT);
    Map<String, String> fixed = new LinkedHashMap<>();
    fixed.put("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false");
    fixed.put(
        "PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudFlowRunner");
    fixed.put(
        "PREFECT__ENGINE__TASK_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudTaskRunner");
    fixed.put("PREFECT__BACKEND", config.backend().configName());
    fixed.put("PREFECT__CLOUD__API", config.api().toString());
    fixed.put("PREFECT__CONTEXT__FLOW_RUN_ID", flowRunId);
    fixed.put("PREFECT__CONTEXT__FLOW_ID", flowId);
    fixed.put("PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", logs);
    fixed.put(AUTH_TOKEN, authToken);
    fixed.put(API_KEY, apiKey);
    String tenant = config.tenantId() != null ? config.tenantId() : tenantId;
    fixed.put("PREFECT__CLOUD__TENANT_ID", !apiKey.isEmpty() && tenant != null ? tenant : "");
    fixed.put("PREFECT__CLOUD__AGENT__LABELS", pythonListRepr(config.labels()));
    fixed.put("PREFECT__LOGGING__LOG_TO_CLOUD", logs);
    return fixed;
  }

  /** {@code repr()} of a Python list of strings, e.g. {@code ['dev', 'staging']}. */
  static String pythonListRepr(List<String> items) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(", ");
      }
      out.append(pythonStrRepr(items.get(i)));
    }
    return out.append(']').toString();
  }

  private static String pythonStrRepr(String s) {
    char quote = s.contains("'") && !s.contains("\"") ? '"' : '\'';
    StringBuilder out = new StringBuilder().append(quote);
    for (char c : s.toCharArray()) {
      if (c == '\\' || c == quote) {
        out.append('\\').append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '\r') {
        out.append("\\r");
      } else {
        out.append(c);
      }
    }
    return out.append(quote).toString();
  }
}
