package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.AwsClients;
import io.github.prefectecs.agent.aws.S3ObjectReader;
import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.config.EcsSettings;
import io.github.prefectecs.agent.support.JsonTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The documents the launcher reads: at start the agent's task definition template (its own file or
 * the packaged one) and its {@code run_task_kwargs} file, where a file that cannot be read or does
 * not fit ECS stops the agent rather than failing every run; at launch a run's own {@code
 * task_definition_path}. Owns the HTTP client of the S3 reader. Thread-safe.
 */
final class LaunchDocuments implements AutoCloseable {
  private final EcsSettings settings;
  private final SdkHttpClient s3Http;
  private final DocumentLoader loader;

  LaunchDocuments(AgentConfig config, String region) {
    this.settings = config.ecs();
    this.s3Http = UrlConnectionHttpClient.create();
    this.loader =
        new DocumentLoader(
            new S3ObjectReader(s3Http, AwsClients.credentials(config), region, System.getenv()));
  }

  /** The agent's task definition template: {@code --task-definition}, else the packaged one. */
  ObjectNode agentTemplate() {
    if (settings.taskDefinitionPath() != null) {
      return loadAtStart("--task-definition", settings.taskDefinitionPath());
    }
    try (InputStream in = EcsLauncher.class.getResourceAsStream("/ecs/task-definition.json")) {
      if (in == null) {
        throw new IllegalStateException("the packaged ecs/task-definition.json is missing");
      }
      return (ObjectNode) JsonTrees.read(in.readAllBytes());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the packaged ecs/task-definition.json is invalid", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The agent's {@code --run-task-kwargs} file; null when none is configured. */
  ObjectNode agentKwargsFile() {
    return settings.runTaskKwargsPath() == null
        ? null
        : loadAtStart("--run-task-kwargs", settings.runTaskKwargsPath());
  }

  /**
   * A run's own template from its run config's {@code task_definition_path}.
   *
   * @throws EcsLaunchException naming the location when it cannot be read
   */
  ObjectNode runTemplate(String location) {
    return loader.load("run config `task_definition_path`", location);
  }

  /** Fails start-up, rather than every run, when the agent's own files do not fit ECS. */
  static void validateAtStart(ObjectNode agentTemplate, ObjectNode agentKwargs) {
    try {
      TaskDefinitionRegistry.toRequest(agentTemplate);
      TaskLauncher.toRequest(agentKwargs);
    } catch (EcsLaunchException e) {
      throw new IllegalStateException(
          e.getMessage() + " (check --task-definition and --run-task-kwargs)", e);
    }
  }

  private ObjectNode loadAtStart(String what, String location) {
    try {
      return loader.load(what, location);
    } catch (EcsLaunchException e) {
      throw new IllegalStateException("Failed to load " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    s3Http.close();
  }
}
