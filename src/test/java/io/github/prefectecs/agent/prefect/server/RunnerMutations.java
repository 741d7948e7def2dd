package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import graphql.schema.DataFetcher;
import graphql.schema.idl.TypeRuntimeWiring;
import java.util.Map;
import java.util.function.Function;

/**
 * Wires the mutations Prefect Core's flow runner and flow registration send (beyond the agent's):
 * runs, task run info, cancellation, projects, flows, tasks and edges. Each runs under the store's
 * lock.
 */
final class RunnerMutations {
  private final ServerStore store;

  RunnerMutations(ServerStore store) {
    this.store = store;
  }

  void wire(TypeRuntimeWiring.Builder mutation) {
    mutation.dataFetcher(
        "get_or_create_task_run_info",
        locked(input -> RunRules.getOrCreateTaskRunInfo(store, input)));
    mutation.dataFetcher(
        "cancel_flow_run",
        locked(
            input ->
                Map.of(
                    "state",
                    RunRules.cancelFlowRun(store, (String) input.get("flow_run_id"), null))));
    mutation.dataFetcher(
        "create_flow_run", locked(input -> Map.of("id", RunRules.createFlowRun(store, input))));
    mutation.dataFetcher(
        "create_project",
        locked(input -> Map.of("id", FlowRegistration.createProject(store, input))));
    mutation.dataFetcher(
        "create_flow_from_compressed_string",
        locked(
            input -> Map.of("id", FlowRegistration.createFlowFromCompressedString(store, input))));
    mutation.dataFetcher(
        "register_tasks",
        locked(
            input -> {
              // the resolver passes no tenant: tasks registered this way have a null tenant_id
              TaskRegistration.registerTasks(
                  store,
                  (String) input.get("flow_id"),
                  null,
                  (JsonNode) input.get("serialized_tasks"));
              return Map.of("success", true);
            }));
    mutation.dataFetcher(
        "register_edges",
        locked(
            input -> {
              String flowId = (String) input.get("flow_id");
              if (!store.flows.containsKey(flowId)) {
                throw new ResolverException("'NoneType' object has no attribute 'tasks'");
              }
              TaskRegistration.registerEdges(
                  store, flowId, null, (JsonNode) input.get("serialized_edges"));
              return Map.of("success", true);
            }));
    mutation.dataFetcher(
        "set_schedule_active",
        locked(
            input ->
                Map.of(
                    "success",
                    FlowRegistration.setScheduleActive(store, (String) input.get("flow_id")))));
  }

  private DataFetcher<Object> locked(Function<Map<String, Object>, Object> resolver) {
    return env -> {
      synchronized (store) {
        return resolver.apply(ServerSchema.input(env));
      }
    };
  }
}
