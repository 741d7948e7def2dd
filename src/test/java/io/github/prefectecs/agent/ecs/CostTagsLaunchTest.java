package io.github.prefectecs.agent.ecs;

import static io.github.prefectecs.agent.ecs.Fixtures.config;
import static io.github.prefectecs.agent.ecs.Fixtures.json;
import static io.github.prefectecs.agent.ecs.Fixtures.settings;
import static io.github.prefectecs.agent.ecs.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.prefect.Flow;
import io.github.prefectecs.agent.prefect.FlowRun;
import io.github.prefectecs.agent.run.LaunchResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.Tag;

/**
 * What a launch puts on the task for cost allocation, the watcher and the run log: the flow's name
 * and project, the configured extra tags, {@code propagateTags}, the maximum runtime (the run's own
 * {@code PREFECT_ECS_AGENT_MAX_RUNTIME}, else the agent's) and where the flow container logs; the
 * "Submitted for execution" log's console addresses.
 */
class CostTagsLaunchTest {
  private final FakeEcsClient ecs = new FakeEcsClient();

  private static Map<String, String> tags(RunTaskRequest request) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag t : request.tags()) {
      tags.put(t.key(), t.value());
    }
    return tags;
  }

  private LaunchResult launch(AgentConfig config, FlowRun run) {
    EcsLauncher launcher = Fixtures.launcher(config, ecs);
    launcher.start();
    return launcher.launch(run, 1);
  }

  private static FlowRun run(String runConfig, Flow flow) {
    return run(1, runConfig, flow);
  }

  private static FlowRun run(int id, String runConfig, Flow flow) {
    return Fixtures.run(uuid(id), runConfig == null ? null : json(runConfig), flow);
  }

  @Test
  void aTaskCarriesItsFlowProjectAndExtraTagsAndPropagatesTheDefinitionsTags() {
    EcsSettings tagged =
        settings().toBuilder().taskTags(Map.of("team", "data", "prefect:agent", "x")).build();
    Flow flow =
        new Flow(
            "flow-id",
            "ETL (nightly), v2",
            null,
            json("{\"type\":\"Local\"}"),
            1,
            "0.15.13",
            "analytics");

    launch(config(tagged), run(null, flow));

    RunTaskRequest request = ecs.runTaskRequests.get(0);
    assertThat(tags(request))
        .containsEntry("prefect:flow-name", "ETL _nightly__ v2")
        .containsEntry("prefect:project", "analytics")
        .containsEntry("team", "data")
        .containsEntry("prefect:agent", "agent")
        .doesNotContainKey("prefect:max-runtime")
        .containsEntry("prefect:logs", "/prefect/flow-runs:prefect/flow");
    assertThat(request.propagateTagsAsString()).isEqualTo("TASK_DEFINITION");
  }

  @Test
  void theAgentsMaximumRuntimeIsTaggedAndARunsOwnReplacesIt() {
    AgentConfig config =
        config(settings())
            .withSupervision(config(settings()).supervision().withMaxRuntime(Duration.ofHours(6)));

    launch(config, run(null, Fixtures.flow("f")));
    launch(
        config,
        run(
            2,
            "{\"type\":\"ECSRun\",\"env\":{\"PREFECT_ECS_AGENT_MAX_RUNTIME\":\"90m\"}}",
            Fixtures.flow("f")));
    launch(
        config,
        run(
            3,
            "{\"type\":\"ECSRun\",\"env\":{\"PREFECT_ECS_AGENT_MAX_RUNTIME\":\"off\"}}",
            Fixtures.flow("f")));

    assertThat(tags(ecs.runTaskRequests.get(0))).containsEntry("prefect:max-runtime", "21600");
    assertThat(tags(ecs.runTaskRequests.get(1))).containsEntry("prefect:max-runtime", "5400");
    assertThat(tags(ecs.runTaskRequests.get(2))).doesNotContainKey("prefect:max-runtime");
  }

  @Test
  void aRunsBadMaximumRuntimeIsRefusedNamingTheValueAndTheFix() {
    LaunchResult result =
        launch(
            config(settings()),
            run(
                "{\"type\":\"ECSRun\",\"env\":{\"PREFECT_ECS_AGENT_MAX_RUNTIME\":\"two hours\"}}",
                Fixtures.flow("f")));

    assertThat(result)
        .isInstanceOfSatisfying(
            LaunchResult.Rejected.class,
            r ->
                assertThat(r.reason())
                    .isEqualTo(
                        "Flow run "
                            + uuid(1)
                            + ": run config env PREFECT_ECS_AGENT_MAX_RUNTIME = \"two hours\" is"
                            + " not a duration; write e.g. 7200 (seconds), 90m, 2h or 1h30m, or 0"
                            + " for no limit"));
    assertThat(ecs.runTaskRequests).isEmpty();
  }

  @Test
  void theSubmittedLogLeadsToTheTaskAndItsLogStream() {
    LaunchResult.Launched launched =
        (LaunchResult.Launched) launch(config(settings()), run(null, Fixtures.flow("f")));

    String id = launched.taskArn().substring(launched.taskArn().lastIndexOf('/') + 1);
    assertThat(launched.where())
        .isEqualTo(
            "ECS console: https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/default/tasks/"
                + id
                + "?region=us-east-1; CloudWatch logs: https://us-east-1.console.aws.amazon.com"
                + "/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/"
                + "$252Fprefect$252Fflow-runs/log-events/prefect$252Fflow$252F"
                + id);
  }

  @Test
  void aTemplateWithItsOwnLoggingGetsNoLogsTagOrLink() {
    FlowRun run =
        run(
            "{\"type\":\"ECSRun\",\"task_definition\":{\"containerDefinitions\":[{\"name\":\"flow\","
                + "\"logConfiguration\":{\"logDriver\":\"splunk\"}}]}}",
            Fixtures.flow("f"));

    LaunchResult.Launched launched = (LaunchResult.Launched) launch(config(settings()), run);

    assertThat(tags(ecs.runTaskRequests.get(0))).doesNotContainKey("prefect:logs");
    assertThat(launched.where()).startsWith("ECS console: ").doesNotContain("CloudWatch");
  }
}
