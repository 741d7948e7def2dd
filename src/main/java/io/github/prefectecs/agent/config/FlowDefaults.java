package io.github.prefectecs.agent.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What every flow container gets from the agent, as the reference agent gives it.
 *
 * @param envVars {@code cloud.agent.env_vars}: environment given to every flow container
 * @param sendFlowRunLogs {@code cloud.send_flow_run_logs}, or false with {@code --no-cloud-logs}
 * @param flowLogLevel {@code logging.level}, forwarded to flows as {@code PREFECT__LOGGING__LEVEL}
 */
public record FlowDefaults(
    Map<String, String> envVars, boolean sendFlowRunLogs, String flowLogLevel) {
  public FlowDefaults {
    envVars = Collections.unmodifiableMap(new LinkedHashMap<>(envVars));
    Objects.requireNonNull(flowLogLevel, "flowLogLevel");
  }

  /** No extra environment, flow logs sent, level INFO. */
  public static FlowDefaults defaults() {
    return new FlowDefaults(Map.of(), true, "INFO");
  }
}
