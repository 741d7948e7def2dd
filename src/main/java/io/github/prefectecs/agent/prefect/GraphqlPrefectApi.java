package io.github.prefectecs.agent.prefect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.Backend;
import io.github.prefectecs.agent.prefect.PrefectApiException.Kind;
import io.github.prefectecs.agent.support.JsonTrees;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import okhttp3.OkHttpClient;

/**
 * {@link PrefectApi} over GraphQL: OkHttp for the wire, Jackson for the bodies.
 *
 * <p>Thread-safe. Every method throws {@link PrefectApiException}; retryable failures have already
 * been retried by the transport a bounded number of times.
 */
public final class GraphqlPrefectApi implements PrefectApi {
  private static final Set<String> LEVELS = Set.of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");
  private static final String STATES_SELECTION = "{ states { id status message } }";

  private final PrefectApiSettings settings;
  private final GraphqlTransport transport;
  private final Clock clock;
  private final OkHttpClient ownedClient;

  /**
   * An API client over {@code sharedClient}'s connection pool (timeouts are set from the settings).
   */
  public GraphqlPrefectApi(PrefectApiSettings settings, OkHttpClient sharedClient, Clock clock) {
    this(settings, sharedClient, clock, d -> Thread.sleep(d.toMillis()), null);
  }

  /** As the public constructor, with the pause between retries given (tests). */
  GraphqlPrefectApi(
      PrefectApiSettings settings,
      OkHttpClient sharedClient,
      Clock clock,
      GraphqlTransport.Sleeper sleeper) {
    this(settings, sharedClient, clock, sleeper, null);
  }

  private GraphqlPrefectApi(
      PrefectApiSettings settings,
      OkHttpClient client,
      Clock clock,
      GraphqlTransport.Sleeper sleeper,
      OkHttpClient owned) {
    this.settings = settings;
    this.clock = clock;
    this.ownedClient = owned;
    this.transport = new GraphqlTransport(settings, client, clock, sleeper);
  }

  /** A client for {@code config} with its own OkHttp client, closed by {@link #close()}. */
  public static GraphqlPrefectApi create(AgentConfig config) {
    OkHttpClient client = new OkHttpClient();
    return new GraphqlPrefectApi(
        PrefectApiSettings.from(config),
        client,
        Clock.systemUTC(),
        d -> Thread.sleep(d.toMillis()),
        client);
  }

  @Override
  public String apiTokenScope() {
    JsonNode data = data("auth_info", "query { auth_info { api_token_scope } }", null);
    JsonNode scope = data.path("auth_info").get("api_token_scope");
    if (scope == null || scope.isNull()) {
      throw new PrefectApiException(
          Kind.MALFORMED, "auth_info: the API returned no api_token_scope");
    }
    return scope.asText();
  }

  @Override
  public String defaultTenantId() {
    if (settings.tenantId() != null) {
      return settings.tenantId();
    }
    String tenant =
        settings.backend() == Backend.CLOUD && settings.apiKey().isPresent()
            ? cloudTenant()
            : firstTenant();
    transport.tenantId(tenant);
    return tenant;
  }

  private String cloudTenant() {
    JsonNode authInfo =
        data("auth_info", "query { auth_info { tenant_id } }", null).path("auth_info");
    JsonNode tenant = authInfo.get("tenant_id");
    if (authInfo.isObject() && tenant != null && tenant.isNull()) {
      throw new PrefectApiException(
          Kind.UNAUTHENTICATED,
          "An API token was used as an API key; there is no tenant associated with it."
              + " Use an API key in cloud.api_key");
    }
    if (tenant == null || tenant.asText().isBlank()) {
      throw new PrefectApiException(
          Kind.MALFORMED,
          "Unexpected response from the API while querying for the default tenant: "
              + GraphqlErrors.oneLine(String.valueOf(authInfo)));
    }
    return tenant.asText();
  }

  private String firstTenant() {
    JsonNode tenants = data("tenant", "query { tenant { id } }", null).path("tenant");
    if (!tenants.isArray() || tenants.isEmpty() || !tenants.get(0).hasNonNull("id")) {
      throw new PrefectApiException(
          Kind.GRAPHQL,
          settings.backend() == Backend.SERVER
              ? "Your Prefect Server instance has no tenants. Create a tenant with"
                  + " `prefect server create-tenant`"
              : "A tenant could not be determined. Set cloud.tenant_id or use an API key");
    }
    return tenants.get(0).get("id").asText();
  }

  @Override
  public String registerAgent(AgentRegistration registration) {
    ObjectNode input = JsonTrees.object();
    input.put("type", registration.type());
    input.put("name", registration.name());
    ArrayNode labels = input.putArray("labels");
    registration.labels().forEach(labels::add);
    input.put("tenant_id", registration.tenantId());
    input.put("agent_config_id", registration.agentConfigId());
    ObjectNode variables = JsonTrees.object();
    variables.set("input", input);
    JsonNode id =
        data(
                "register_agent",
                "mutation($input: register_agent_input!) { register_agent(input: $input) { id } }",
                variables)
            .path("register_agent")
            .get("id");
    if (id == null || id.isNull() || id.asText().isBlank()) {
      throw new PrefectApiException(Kind.GRAPHQL, "Error registering agent");
    }
    transport.agentId(id.asText());
    return id.asText();
  }

  @Override
  public void hello() {
    data("hello", "query { hello }", null);
  }

  @Override
  public List<String> runsInQueue(String tenantId, List<String> labels, Instant before) {
    ObjectNode input = JsonTrees.object();
    input.put("tenant_id", tenantId);
    input.put("before", PrefectStates.format(before));
    ArrayNode array = input.putArray("labels");
    labels.forEach(array::add);
    ObjectNode variables = JsonTrees.object();
    variables.set("input", input);
    JsonNode ids =
        data(
                "get_runs_in_queue",
                "mutation($input: get_runs_in_queue_input!) { get_runs_in_queue(input: $input)"
                    + " { flow_run_ids } }",
                variables)
            .path("get_runs_in_queue")
            .path("flow_run_ids");
    List<String> result = new ArrayList<>();
    ids.forEach(id -> result.add(id.asText()));
    return List.copyOf(result);
  }

  @Override
  public List<FlowRun> flowRuns(Collection<String> ids, Instant taskRunCutoff) {
    if (ids.isEmpty()) {
      return List.of();
    }
    ObjectNode variables = JsonTrees.object();
    ArrayNode array = variables.putArray("ids");
    new LinkedHashSet<>(ids).forEach(array::add);
    variables.put("cutoff", PrefectStates.format(taskRunCutoff));
    JsonNode data = data("flow_run", FlowRunReader.QUERY, variables);
    return List.copyOf(FlowRunReader.read(data.get("flow_run"), clock.instant()));
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(Collection<String> ids) {
    return rowsById("flow_run", StatusReader.FIELDS, ids, StatusReader::status);
  }

  @Override
  public List<FlowRun> strandedClaims(String agentId, Instant submittedBefore, int limit) {
    ObjectNode variables = JsonTrees.object();
    variables.put("agent", agentId);
    variables.put("before", PrefectStates.format(submittedBefore));
    variables.put("limit", limit);
    JsonNode data = data("flow_run", FlowRunReader.STRANDED, variables);
    return List.copyOf(FlowRunReader.read(data.get("flow_run"), clock.instant()));
  }

  @Override
  public List<FlowRunStatus> flowRunStatuses(
      Collection<String> ids, Collection<String> withOpenTaskRuns) {
    if (withOpenTaskRuns.isEmpty()) {
      return flowRunStatuses(ids);
    }
    ObjectNode variables = StatusReader.settlingVariables(ids, withOpenTaskRuns);
    return StatusReader.readSettling(data("flow_run", StatusReader.SETTLING, variables));
  }

  @Override
  public List<TaskRun> taskRunStatuses(Collection<String> ids) {
    return rowsById("task_run", "id version task_id serialized_state", ids, StatusReader::taskRun);
  }

  /** One query of {@code table}'s rows whose id is in {@code ids}, each read by {@code reader}. */
  private <T> List<T> rowsById(
      String table, String fields, Collection<String> ids, Function<JsonNode, T> reader) {
    if (ids.isEmpty()) {
      return List.of();
    }
    ObjectNode variables = JsonTrees.object();
    ArrayNode array = variables.putArray("ids");
    new LinkedHashSet<>(ids).forEach(array::add);
    JsonNode rows =
        data(
                table,
                "query($ids: [uuid!]) { "
                    + table
                    + "(where: {id: {_in: $ids}}) { "
                    + fields
                    + " } }",
                variables)
            .path(table);
    List<T> result = new ArrayList<>();
    for (JsonNode row : rows) {
      if (!row.path("id").isTextual()) {
        throw new PrefectApiException(Kind.MALFORMED, table + " row without an id: " + row);
      }
      result.add(reader.apply(row));
    }
    return List.copyOf(result);
  }

  private static String text(JsonNode node, String field) {
    return node.path(field).isTextual() ? node.path(field).asText() : null;
  }

  @Override
  public List<UpdateResult> heartbeatFlowRuns(Collection<String> ids) {
    List<ObjectNode> inputs = new ArrayList<>();
    List<String> runIds = new ArrayList<>(new LinkedHashSet<>(ids));
    for (String id : runIds) {
      inputs.add(JsonTrees.object().put("flow_run_id", id));
    }
    return AliasedMutation.send(
        transport,
        "update_flow_run_heartbeat",
        "update_flow_run_heartbeat_input",
        "{ success }",
        inputs,
        runIds);
  }

  @Override
  public List<UpdateResult> setFlowRunStates(List<StateUpdate> updates) {
    return setStates("set_flow_run_states", "flow_run_id", updates);
  }

  @Override
  public List<UpdateResult> setTaskRunStates(List<StateUpdate> updates) {
    return setStates("set_task_run_states", "task_run_id", updates);
  }

  private List<UpdateResult> setStates(String field, String idField, List<StateUpdate> updates) {
    List<ObjectNode> inputs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (StateUpdate update : updates) {
      ObjectNode item = JsonTrees.object();
      item.put(idField, update.runId());
      item.put("version", update.version());
      item.set("state", update.state());
      ObjectNode input = JsonTrees.object();
      input.putArray("states").add(item);
      inputs.add(input);
      ids.add(update.runId());
    }
    return AliasedMutation.send(transport, field, field + "_input", STATES_SELECTION, inputs, ids);
  }

  @Override
  public List<UpdateResult> writeRunLogs(List<LogEntry> logs) {
    return writeRunLogs(logs, false);
  }

  @Override
  public List<UpdateResult> writeRunLogsOnce(List<LogEntry> logs) {
    return writeRunLogs(logs, true);
  }

  private List<UpdateResult> writeRunLogs(List<LogEntry> logs, boolean notTwice) {
    Map<String, ArrayNode> byRun = new LinkedHashMap<>();
    for (LogEntry log : logs) {
      ObjectNode item = JsonTrees.object();
      item.put("flow_run_id", log.flowRunId());
      item.put("name", log.name());
      item.put("message", log.message());
      item.put("level", level(log.level()));
      if (log.timestamp() != null) {
        item.put("timestamp", PrefectStates.format(log.timestamp()));
      }
      if (log.info() != null) {
        item.set("info", log.info());
      }
      byRun.computeIfAbsent(log.flowRunId(), id -> JsonTrees.array()).add(item);
    }
    List<ObjectNode> inputs = new ArrayList<>();
    byRun.values().forEach(items -> inputs.add(JsonTrees.object().set("logs", items)));
    return AliasedMutation.send(
        transport,
        "write_run_logs",
        "write_run_logs_input",
        "{ success }",
        inputs,
        List.copyOf(byRun.keySet()),
        notTwice);
  }

  @Override
  public List<RunLogRow> latestRunLogs(String loggerName, List<RunLogMatch> matches) {
    if (matches.isEmpty()) {
      return List.of();
    }
    return RunLogReader.read(
        data("log", RunLogReader.LATEST, RunLogReader.latestVariables(loggerName, matches))
            .path("log"));
  }

  @Override
  public List<RunLogRow> runLogs(
      String loggerName, List<RunLogMatch> matches, int offset, int limit) {
    if (matches.isEmpty()) {
      return List.of();
    }
    return RunLogReader.read(
        data(
                "log",
                RunLogReader.SINCE,
                RunLogReader.sinceVariables(loggerName, matches, offset, limit))
            .path("log"));
  }

  /** Maps logger level spellings onto the server's {@code log_level} enum. */
  static String level(String level) {
    String upper = level.trim().toUpperCase(Locale.ROOT);
    return switch (upper) {
      case "WARN" -> "WARNING";
      case "FATAL" -> "CRITICAL";
      case "TRACE" -> "DEBUG";
      default -> LEVELS.contains(upper) ? upper : "INFO";
    };
  }

  /** The {@code data} of a request whose errors fail the whole call. */
  private JsonNode data(String operation, String query, ObjectNode variables) {
    JsonNode root = transport.post(operation, query, variables);
    JsonNode errors = root.get("errors");
    if (errors != null && errors.isArray() && !errors.isEmpty()) {
      throw GraphqlErrors.classify(operation, GraphqlErrors.list(errors));
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new PrefectApiException(
          Kind.MALFORMED, operation + ": the Prefect API answered without data");
    }
    return data;
  }

  @Override
  public void close() {
    if (ownedClient != null) {
      ownedClient.dispatcher().executorService().shutdown();
      ownedClient.connectionPool().evictAll();
    }
  }
}
