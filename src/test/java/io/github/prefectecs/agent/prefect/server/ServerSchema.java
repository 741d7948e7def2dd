package io.github.prefectecs.agent.prefect.server;

import graphql.GraphQL;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeRuntimeWiring;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Builds the executable schema: the subset SDL wired to the store and the rules. */
final class ServerSchema {
  static final String SDL_RESOURCE = "/prefect-server-agent-subset.graphql";
  private static final List<String> TABLES =
      List.of("flow_run", "flow", "task_run", "agent", "tenant", "project", "log");

  private final ServerStore store;
  private final StateRules states;

  ServerSchema(ServerStore store, StateRules states) {
    this.store = store;
    this.states = states;
  }

  static String sdl() {
    try (InputStream in = ServerSchema.class.getResourceAsStream(SDL_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("schema resource " + SDL_RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  GraphQL build() {
    RuntimeWiring.Builder wiring = RuntimeWiring.newRuntimeWiring();
    ServerScalars.all().forEach(wiring::scalar);
    TypeRuntimeWiring.Builder query = TypeRuntimeWiring.newTypeWiring("Query");
    query.dataFetcher("hello", env -> "\uD83D\uDC4B");
    query.dataFetcher(
        "api",
        env -> {
          Map<String, Object> api = new LinkedHashMap<>();
          api.put("backend", "SERVER");
          api.put("mode", "normal");
          api.put("version", "2021.11.30");
          api.put("core_version", "0.15.10");
          api.put("release_timestamp", null);
          return api;
        });
    for (String table : TABLES) {
      query.dataFetcher(table, env -> select(table, env));
      query.dataFetcher(
          table + "_by_pk",
          env -> {
            synchronized (store) {
              Map<String, Object> row = store.table(table).get((String) env.getArgument("id"));
              return row == null ? null : new LinkedHashMap<>(row);
            }
          });
    }
    wiring.type(query);
    TypeRuntimeWiring.Builder mutation = mutations();
    new RunnerMutations(store).wire(mutation);
    wiring.type(mutation);
    relationships(wiring);
    GraphQLSchema schema =
        new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(sdl()), wiring.build());
    return GraphQL.newGraphQL(schema)
        .defaultDataFetcherExceptionHandler(new ExactMessages())
        .instrumentation(new MaxQueryDepthInstrumentation(7))
        .build();
  }

  private Object select(String table, DataFetchingEnvironment env) {
    synchronized (store) {
      return HasuraQuery.apply(table, store.rows(table), env.getArguments(), store::relation);
    }
  }

  private void relationships(RuntimeWiring.Builder wiring) {
    Map<String, List<String>> fields =
        Map.of(
            "flow_run", List.of("flow", "agent", "tenant", "task_runs"),
            "flow", List.of("tenant", "flow_runs", "project"),
            "task_run", List.of("flow_run", "tenant", "task"),
            "agent", List.of("flow_runs"),
            "project", List.of("tenant"),
            "task", List.of("flow"));
    fields.forEach(
        (type, names) -> {
          TypeRuntimeWiring.Builder builder = TypeRuntimeWiring.newTypeWiring(type);
          for (String name : names) {
            builder.dataFetcher(name, relationship(type, name));
          }
          wiring.type(builder);
        });
  }

  @SuppressWarnings("unchecked")
  private DataFetcher<Object> relationship(String type, String field) {
    return env -> {
      synchronized (store) {
        Map<String, Object> source = env.getSource();
        HasuraQuery.Relation relation = store.relation(type, source, field);
        if (relation.value() instanceof List<?> rows) {
          return HasuraQuery.apply(
              relation.table(),
              (List<Map<String, Object>>) rows,
              env.getArguments(),
              store::relation);
        }
        return relation.value();
      }
    };
  }

  @SuppressWarnings("unchecked")
  private TypeRuntimeWiring.Builder mutations() {
    TypeRuntimeWiring.Builder mutation = TypeRuntimeWiring.newTypeWiring("Mutation");
    mutation.dataFetcher(
        "register_agent",
        env -> {
          synchronized (store) {
            return Map.of(
                "id",
                QueueRules.registerAgent(store, input(env), header(env, "x-prefect-core-version")));
          }
        });
    mutation.dataFetcher(
        "get_runs_in_queue",
        env -> {
          synchronized (store) {
            return Map.of(
                "flow_run_ids",
                QueueRules.runsInQueue(store, input(env), header(env, "x-prefect-agent-id")));
          }
        });
    mutation.dataFetcher(
        "set_flow_run_states",
        env -> {
          List<Map<String, Object>> items = (List<Map<String, Object>>) input(env).get("states");
          synchronized (store) {
            states.setFlowRunStates(store, items, agentId(env));
          }
          return statesPayload(items, "flow_run_id");
        });
    mutation.dataFetcher(
        "set_task_run_states",
        env -> {
          List<Map<String, Object>> items = (List<Map<String, Object>>) input(env).get("states");
          synchronized (store) {
            states.setTaskRunStates(store, items);
          }
          return statesPayload(items, "task_run_id");
        });
    mutation.dataFetcher(
        "write_run_logs",
        env -> {
          synchronized (store) {
            QueueRules.writeRunLogs(store, (List<Map<String, Object>>) input(env).get("logs"));
          }
          return Map.of("success", true);
        });
    mutation.dataFetcher(
        "update_flow_run_heartbeat", env -> heartbeat("flow_run", input(env).get("flow_run_id")));
    mutation.dataFetcher(
        "update_task_run_heartbeat", env -> heartbeat("task_run", input(env).get("task_run_id")));
    return mutation;
  }

  private Map<String, Object> heartbeat(String table, Object id) {
    synchronized (store) {
      Map<String, Object> row = store.table(table).get((String) id);
      if (row != null) {
        row.put("heartbeat", store.now());
      }
    }
    return Map.of("success", true);
  }

  private static Map<String, Object> statesPayload(
      List<Map<String, Object>> items, String idField) {
    List<Map<String, Object>> payload = new ArrayList<>();
    for (Map<String, Object> item : items) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("id", item.get(idField));
      one.put("status", "SUCCESS");
      one.put("message", null);
      payload.add(one);
    }
    return Map.of("states", payload);
  }

  static Map<String, Object> input(DataFetchingEnvironment env) {
    return env.getArgument("input");
  }

  private static String header(DataFetchingEnvironment env, String name) {
    Map<String, String> headers = env.getGraphQlContext().get("headers");
    return headers == null ? null : headers.get(name);
  }

  private String agentId(DataFetchingEnvironment env) {
    String id = header(env, "x-prefect-agent-id");
    if (id == null) {
      return null;
    }
    try {
      return ServerScalars.uuid(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Resolver errors carry the server's exact text and {@code INTERNAL_SERVER_ERROR}. */
  private static final class ExactMessages implements DataFetcherExceptionHandler {
    @Override
    public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(
        graphql.execution.DataFetcherExceptionHandlerParameters params) {
      Throwable error = params.getException();
      String message = error.getMessage() == null ? error.toString() : error.getMessage();
      return CompletableFuture.completedFuture(
          DataFetcherExceptionHandlerResult.newResult()
              .error(
                  GraphqlErrorBuilder.newError()
                      .message(message)
                      .path(params.getPath())
                      .location(params.getSourceLocation())
                      .extensions(Map.of("code", "INTERNAL_SERVER_ERROR"))
                      .build())
              .build());
    }
  }
}
