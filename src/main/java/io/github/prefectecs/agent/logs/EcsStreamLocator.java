package io.github.prefectecs.agent.logs;

import io.github.prefectecs.agent.support.Messages;
import io.github.prefectecs.agent.support.TokenBucket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * {@link StreamLocator} over ECS DescribeTaskDefinition, one call per definition ARN (cached; the
 * same revision serves many runs), paced by the {@code definitionRead} bucket.
 *
 * <p>Thread-safe.
 */
public final class EcsStreamLocator implements StreamLocator {
  private static final Logger LOG = LoggerFactory.getLogger(EcsStreamLocator.class);

  /** The flow container's name in every definition the agent renders. */
  static final String FLOW_CONTAINER = "flow";

  private final EcsClient ecs;
  private final TokenBucket definitionRead;
  private final Map<String, Optional<StreamSource>> cache = new ConcurrentHashMap<>();

  public EcsStreamLocator(EcsClient ecs, TokenBucket definitionRead) {
    this.ecs = ecs;
    this.definitionRead = definitionRead;
  }

  @Override
  public Optional<StreamSource> locate(String taskDefinitionArn) {
    Optional<StreamSource> known = cache.get(taskDefinitionArn);
    if (known != null) {
      return known;
    }
    try {
      definitionRead.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogsException(LogsException.Kind.TRANSIENT, "interrupted", e);
    }
    TaskDefinition definition;
    try {
      definition =
          ecs.describeTaskDefinition(b -> b.taskDefinition(taskDefinitionArn)).taskDefinition();
    } catch (SdkException e) {
      boolean client =
          e instanceof AwsServiceException s && s.statusCode() >= 400 && s.statusCode() < 500;
      boolean throttled = e instanceof AwsServiceException s && s.isThrottlingException();
      if (client && !throttled) {
        LOG.warn(
            "Cannot read task definition {} to find its log stream ({}); its output is not"
                + " forwarded",
            taskDefinitionArn,
            Messages.firstLine(e));
        cache.put(taskDefinitionArn, Optional.empty());
        return Optional.empty();
      }
      throw new LogsException(
          throttled ? LogsException.Kind.THROTTLED : LogsException.Kind.TRANSIENT,
          "ECS DescribeTaskDefinition " + taskDefinitionArn + ": " + Messages.firstLine(e),
          e);
    }
    Optional<StreamSource> source = source(definition.containerDefinitions());
    if (source.isEmpty()) {
      LOG.debug(
          "Task definition {}: the flow container has no awslogs driver with a stream prefix;"
              + " nothing to forward",
          taskDefinitionArn);
    }
    cache.put(taskDefinitionArn, source);
    return source;
  }

  /** The awslogs source of the container named {@code flow} (or the only container). */
  static Optional<StreamSource> source(List<ContainerDefinition> containers) {
    ContainerDefinition flow =
        containers.stream()
            .filter(c -> FLOW_CONTAINER.equals(c.name()))
            .findFirst()
            .orElse(containers.size() == 1 ? containers.get(0) : null);
    if (flow == null || flow.logConfiguration() == null) {
      return Optional.empty();
    }
    LogConfiguration logging = flow.logConfiguration();
    if (logging.logDriver() != LogDriver.AWSLOGS) {
      return Optional.empty();
    }
    String group = logging.options().get("awslogs-group");
    String prefix = logging.options().get("awslogs-stream-prefix");
    if (group == null || group.isBlank() || prefix == null || prefix.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new StreamSource(group, prefix, flow.name()));
  }
}
