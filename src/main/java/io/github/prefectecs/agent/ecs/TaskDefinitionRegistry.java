package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.prefectecs.agent.aws.EcsRateLimits;
import io.github.prefectecs.agent.aws.SdkTrees;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.SortOrder;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

/**
 * Finds or registers the revision of a canonical task definition, keyed by its hash: from memory,
 * else by the hash tag on the family's ACTIVE revisions in ECS (so a restarted agent reuses them),
 * else by one RegisterTaskDefinition. Concurrent callers with the same hash share one lookup and
 * registration (single flight).
 *
 * <p>Thread-safe. Failures are {@link EcsLaunchException}s; a failed registration is not
 * remembered, so the next launch tries again.
 */
final class TaskDefinitionRegistry {
  private static final Logger log = LoggerFactory.getLogger(TaskDefinitionRegistry.class);

  /** How many recent revisions of a family are checked for the hash after a restart. */
  static final int MAX_REVISIONS_CHECKED = 10;

  private final EcsClient ecs;
  private final EcsRateLimits limits;
  private final Map<String, CompletableFuture<String>> byHash = new ConcurrentHashMap<>();
  private final Map<String, Object> familyLocks = new ConcurrentHashMap<>();

  TaskDefinitionRegistry(EcsClient ecs, EcsRateLimits limits) {
    this.ecs = ecs;
    this.limits = limits;
  }

  /** The ARN of a registered revision with exactly this content. */
  String arnFor(CanonicalDefinition definition) {
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> existing = byHash.putIfAbsent(definition.sha256(), mine);
    if (existing != null) {
      return await(existing);
    }
    try {
      mine.complete(findOrRegister(definition));
    } catch (RuntimeException e) {
      byHash.remove(definition.sha256(), mine);
      mine.completeExceptionally(e);
    }
    return await(mine);
  }

  /** Forgets a revision that turned out to be unusable (e.g. deregistered by someone else). */
  void invalidate(String taskDefinitionArn) {
    byHash
        .entrySet()
        .removeIf(
            e ->
                e.getValue().isDone()
                    && !e.getValue().isCompletedExceptionally()
                    && taskDefinitionArn.equals(e.getValue().join()));
  }

  private String findOrRegister(CanonicalDefinition definition) {
    // At most one lookup-and-register per family at a time, across hashes.
    synchronized (familyLocks.computeIfAbsent(definition.family(), f -> new Object())) {
      return findOrRegisterLocked(definition);
    }
  }

  private String findOrRegisterLocked(CanonicalDefinition definition) {
    String found = find(definition);
    if (found != null) {
      log.info("Reusing task definition {} (sha256 {})", found, definition.sha256());
      return found;
    }
    String arn = register(definition);
    log.info("Registered task definition {} (sha256 {})", arn, definition.sha256());
    return arn;
  }

  private String find(CanonicalDefinition definition) {
    String family = definition.family();
    DescribeTaskDefinitionResponse latest = describe(family);
    if (latest == null) {
      return null;
    }
    if (matches(latest, definition.sha256())) {
      return latest.taskDefinition().taskDefinitionArn();
    }
    List<String> arns =
        call(
            "ListTaskDefinitions",
            () ->
                EcsCalls.call(
                    () ->
                        ecs.listTaskDefinitions(
                                r ->
                                    r.familyPrefix(family)
                                        .status(TaskDefinitionStatus.ACTIVE)
                                        .sort(SortOrder.DESC)
                                        .maxResults(MAX_REVISIONS_CHECKED + 1))
                            .taskDefinitionArns(),
                    limits.definitionRead()));
    String latestArn = latest.taskDefinition().taskDefinitionArn();
    int checked = 0;
    for (String arn : arns) {
      if (arn.equals(latestArn) || !arn.contains(":task-definition/" + family + ":")) {
        continue;
      }
      if (++checked > MAX_REVISIONS_CHECKED) {
        break;
      }
      DescribeTaskDefinitionResponse revision = describe(arn);
      if (revision != null && matches(revision, definition.sha256())) {
        return arn;
      }
    }
    return null;
  }

  private DescribeTaskDefinitionResponse describe(String familyOrArn) {
    try {
      return EcsCalls.call(
          () ->
              ecs.describeTaskDefinition(
                  r -> r.taskDefinition(familyOrArn).include(TaskDefinitionField.TAGS)),
          limits.definitionRead());
    } catch (ClientException e) {
      // ECS answers ClientException "Unable to describe task definition" for an unknown family.
      return null;
    } catch (SdkException e) {
      throw AwsErrors.translate("DescribeTaskDefinition", null, e);
    }
  }

  private static boolean matches(DescribeTaskDefinitionResponse response, String sha256) {
    return response.taskDefinition() != null
        && response.taskDefinition().status() == TaskDefinitionStatus.ACTIVE
        && response.tags().stream()
            .anyMatch(
                t -> CanonicalDefinition.HASH_TAG.equals(t.key()) && sha256.equals(t.value()));
  }

  private String register(CanonicalDefinition definition) {
    ObjectNode body = definition.definition().deepCopy();
    ArrayNode tags = Json.arrayAt(body, "tags");
    tags.addObject().put("key", CanonicalDefinition.HASH_TAG).put("value", definition.sha256());
    RegisterTaskDefinitionRequest request = toRequest(body);
    return call(
        "RegisterTaskDefinition",
        () ->
            EcsCalls.call(
                () -> ecs.registerTaskDefinition(request).taskDefinition().taskDefinitionArn(),
                limits.definitionModify()));
  }

  static RegisterTaskDefinitionRequest toRequest(ObjectNode body) {
    try {
      return SdkTrees.fill(RegisterTaskDefinitionRequest.builder(), body).build();
    } catch (SdkTrees.Mismatch e) {
      throw EcsLaunchException.rejected(
          "The task definition is not valid for ECS: " + e.getMessage());
    }
  }

  private static <T> T call(String action, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw AwsErrors.translate(action, null, e);
    }
  }

  private static String await(CompletableFuture<String> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EcsLaunchException.retryable("interrupted while waiting for a registration", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EcsLaunchException launch) {
        throw launch;
      }
      throw new IllegalStateException("task definition registration failed", e.getCause());
    }
  }
}
