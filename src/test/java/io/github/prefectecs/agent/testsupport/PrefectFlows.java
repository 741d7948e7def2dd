package io.github.prefectecs.agent.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Prefect Core 0.15.13 for tests: its real flow runner ({@code prefect execute flow-run}) started
 * as a local process with the environment the agent gives a flow container, and flow registration
 * the way users do it ({@code flow.register()}, {@code Client.create_flow_run}), both against a
 * Prefect API such as the project's double. The flows are the Python files under {@code
 * src/test/resources/flows/}.
 *
 * <p>The executable is {@code $PREFECT_FLOW_RUNNER} (set by {@code scripts/test}), else {@code
 * .venv-flows/bin/prefect} under the working directory (installed by {@code scripts/ensure-flows}).
 * Stateless and thread-safe.
 */
public final class PrefectFlows {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration REGISTRATION = Duration.ofSeconds(60);

  private PrefectFlows() {}

  /** A registered flow and, when one was asked for, a run of it. */
  public record Registration(String flowId, String flowName, String projectId, String flowRunId) {}

  /** The {@code prefect} executable of the Prefect 0.15.13 virtual environment. */
  public static Path executable() {
    String env = System.getenv("PREFECT_FLOW_RUNNER");
    Path prefect =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(".venv-flows", "bin", "prefect").toAbsolutePath();
    if (!Files.isExecutable(prefect)) {
      throw new IllegalStateException(
          prefect
              + " is missing: run scripts/ensure-flows (or scripts/test) to install Prefect"
              + " 0.15.13 into .venv-flows");
    }
    return prefect;
  }

  /** The absolute path of flow file {@code name} (e.g. {@code hello.py}) in the test resources. */
  public static Path flowFile(String name) {
    return resource("/flows/" + name);
  }

  /**
   * Registers the flow files (see {@link #flowFile}) in project {@code project} (created when
   * missing) with flow labels {@code labels}, as {@code flow.register(project_name, labels)} does;
   * with {@code createRuns} also creates a run of each through {@code Client.create_flow_run}. One
   * Python process; the registrations come back in the order of the files.
   */
  public static List<Registration> register(
      URI api, String project, List<String> labels, boolean createRuns, Path... flowFiles) {
    List<String> command = new ArrayList<>();
    command.add(executable().resolveSibling("python").toString());
    command.add(resource("/prefect-tools/register_flow.py").toString());
    command.addAll(List.of("--project", project));
    for (Path file : flowFiles) {
      command.addAll(List.of("--file", file.toString()));
    }
    for (String label : labels) {
      command.addAll(List.of("--label", label));
    }
    if (createRuns) {
      command.add("--create-run");
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PREFECT__BACKEND", "server");
    env.put("PREFECT__SERVER__ENDPOINT", api.toString());
    try (FlowProcess process = FlowProcess.start(command, env)) {
      int exit = process.waitFor(REGISTRATION);
      String output = process.output();
      if (exit != 0) {
        throw new IllegalStateException("registration exited with " + exit + ":\n" + output);
      }
      List<String> lines = output.lines().toList();
      JsonNode result = MAPPER.readTree(lines.get(lines.size() - 1));
      List<Registration> registrations = new ArrayList<>();
      for (JsonNode flow : result.path("flows")) {
        registrations.add(
            new Registration(
                flow.path("flow_id").asText(),
                flow.path("flow_name").asText(),
                result.path("project_id").asText(),
                flow.path("flow_run_id").isNull() ? null : flow.path("flow_run_id").asText()));
      }
      return registrations;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The environment the agent gives a flow container on Prefect Server without an API key
   * (reference agent section 5; the variables every run gets, in its order), with {@code
   * PREFECT__CLOUD__API} = {@code api}.
   */
  public static Map<String, String> agentEnvironment(URI api, String flowRunId, String flowId) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PREFECT__LOGGING__LEVEL", "INFO");
    env.put("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false");
    env.put("PREFECT__ENGINE__FLOW_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudFlowRunner");
    env.put("PREFECT__ENGINE__TASK_RUNNER__DEFAULT_CLASS", "prefect.engine.cloud.CloudTaskRunner");
    env.put("PREFECT__BACKEND", "server");
    env.put("PREFECT__CLOUD__API", api.toString());
    env.put("PREFECT__CONTEXT__FLOW_RUN_ID", Objects.requireNonNull(flowRunId, "flowRunId"));
    env.put("PREFECT__CONTEXT__FLOW_ID", Objects.requireNonNull(flowId, "flowId"));
    env.put("PREFECT__CLOUD__SEND_FLOW_RUN_LOGS", "true");
    env.put("PREFECT__CLOUD__AUTH_TOKEN", "");
    env.put("PREFECT__CLOUD__API_KEY", "");
    env.put("PREFECT__CLOUD__TENANT_ID", "");
    env.put("PREFECT__CLOUD__AGENT__LABELS", "[]");
    env.put("PREFECT__LOGGING__LOG_TO_CLOUD", "true");
    return env;
  }

  /**
   * Starts {@code prefect execute flow-run} for the run with exactly {@code environment} (see
   * {@link #agentEnvironment}; a run config's {@code env} would add to it).
   */
  public static FlowProcess startRunner(Map<String, String> environment) {
    return FlowProcess.start(List.of(executable().toString(), "execute", "flow-run"), environment);
  }

  /** {@link #startRunner} with the agent's environment for this run. */
  public static FlowProcess startRunner(URI api, String flowRunId, String flowId) {
    return startRunner(agentEnvironment(api, flowRunId, flowId));
  }

  private static Path resource(String name) {
    URL url = PrefectFlows.class.getResource(name);
    if (url == null) {
      throw new IllegalArgumentException("no test resource " + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("test resource " + name + " is not a file: " + url, e);
    }
  }
}
