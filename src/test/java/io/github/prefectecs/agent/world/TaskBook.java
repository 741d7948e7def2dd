package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The tasks an {@link EcsFront} runs, the faults planned for the next task of a run, and what the
 * front makes of moto's answers to the ECS operations about tasks: RunTask starts a {@link
 * LocalTask} per task; DescribeTasks, StopTask and ListTasks say what ECS would of them.
 *
 * <p>Thread-safe.
 */
final class TaskBook {
  private final MotoWire wire;
  private final RunnerSettings settings;
  private final TaskHost host;
  private final Map<String, LocalTask> tasks = new ConcurrentHashMap<>();
  private final List<LocalTask> order = new CopyOnWriteArrayList<>();
  private final Map<String, List<Planned>> plans = new ConcurrentHashMap<>();
  private final Map<String, Instant> seenStopped = new ConcurrentHashMap<>();

  TaskBook(MotoWire wire, TaskHost host) {
    this.wire = wire;
    this.settings = host.settings();
    this.host = host;
  }

  void plan(String runId, Planned planned) {
    plans.computeIfAbsent(runId, id -> new CopyOnWriteArrayList<>()).add(planned);
  }

  /** Every task, oldest first. */
  List<LocalTask> all() {
    return List.copyOf(order);
  }

  Optional<Instant> firstDescribedStopped(String taskArn) {
    return Optional.ofNullable(seenStopped.get(local(taskArn).arn()));
  }

  void clear() {
    tasks.clear();
    order.clear();
    plans.clear();
    seenStopped.clear();
  }

  LocalTask local(String taskArn) {
    LocalTask task = tasks.get(taskArn);
    if (task == null) {
      task = order.stream().filter(t -> t.arn().endsWith("/" + taskArn)).findFirst().orElse(null);
    }
    if (task == null) {
      throw new IllegalArgumentException("the ECS front runs no task " + taskArn);
    }
    return task;
  }

  /** moto's answer to {@code operation}, with what ECS would say of the front's tasks. */
  byte[] overlay(
      String operation, byte[] requestBody, byte[] answerBody, Map<String, List<String>> headers)
      throws IOException {
    ObjectNode request = (ObjectNode) MotoWire.JSON.readTree(requestBody);
    ObjectNode answer = (ObjectNode) MotoWire.JSON.readTree(answerBody);
    switch (operation) {
      case "RunTask" -> runTask(request, answer);
      case "DescribeTasks" -> describeTasks(request, answer);
      case "StopTask" -> stopTask(request, answer);
      case "ListTasks" -> listTasks(request, answer, headers);
      default -> {
        return answerBody;
      }
    }
    return MotoWire.JSON.writeValueAsBytes(answer);
  }

  private void runTask(ObjectNode request, ObjectNode answer) throws IOException {
    for (JsonNode node : answer.path("tasks")) {
      ObjectNode task = (ObjectNode) node;
      String arn = task.path("taskArn").asText();
      JsonNode definition;
      try {
        definition =
            wire.call(
                    "ecs",
                    EcsFront.TARGET_PREFIX + "DescribeTaskDefinition",
                    MotoWire.JSON
                        .createObjectNode()
                        .put("taskDefinition", task.path("taskDefinitionArn").asText()))
                .path("taskDefinition");
      } catch (MotoWire.CallException e) {
        throw new IllegalStateException("moto cannot describe the definition of " + arn, e);
      }
      String taskId = arn.substring(arn.lastIndexOf('/') + 1);
      Path home = Files.createDirectories(settings.workRoot().resolve(taskId));
      JsonNode overrides = request.get("overrides");
      String runId = runId(request);
      List<Planned> planned = runId == null ? null : plans.remove(runId);
      LocalTask local =
          new LocalTask(
              arn,
              runId,
              placement(request, task),
              size(overrides, definition, "cpu"),
              size(overrides, definition, "memory"),
              ContainerSpecs.resolve(definition, overrides, taskId, home, settings),
              home,
              planned == null ? List.of() : planned,
              host);
      tasks.put(arn, local);
      order.add(local);
      TaskOverlay.write(local.view(), task);
      local.begin();
    }
  }

  private static String runId(JsonNode request) {
    for (JsonNode tag : request.path("tags")) {
      if ("prefect:flow-run-id".equals(tag.path("key").asText())) {
        return tag.path("value").asText();
      }
    }
    return request.path("startedBy").asText(null);
  }

  /** {capacity provider, launch type}: moto answers no launch type where ECS says FARGATE. */
  private static String[] placement(JsonNode request, JsonNode task) {
    String provider = task.path("capacityProviderName").asText(null);
    String launchType = request.path("launchType").asText(null);
    if (provider != null && provider.startsWith("FARGATE")) {
      launchType = "FARGATE";
    }
    return new String[] {provider, launchType == null ? "FARGATE" : launchType};
  }

  private static String size(JsonNode overrides, JsonNode definition, String field) {
    if (overrides != null && overrides.hasNonNull(field)) {
      return overrides.get(field).asText();
    }
    return definition.hasNonNull(field) ? definition.get(field).asText() : null;
  }

  private void describeTasks(ObjectNode request, ObjectNode answer) {
    java.time.Instant now = java.time.Instant.now();
    ArrayNode failures = answer.withArray("failures");
    ArrayNode kept = MotoWire.JSON.createArrayNode();
    List<String> found = new ArrayList<>();
    for (JsonNode node : answer.path("tasks")) {
      String arn = node.path("taskArn").asText();
      LocalTask local = tasks.get(arn);
      if (local != null && local.missingAt(now)) {
        failures.addObject().put("arn", arn).put("reason", "MISSING");
      } else {
        if (local != null) {
          TaskView view = local.view();
          TaskOverlay.write(view, (ObjectNode) node);
          if (view.stopped()) {
            seenStopped.putIfAbsent(arn, now);
          }
        }
        kept.add(node);
      }
      found.add(arn);
    }
    answer.set("tasks", kept);
    for (JsonNode asked : request.path("tasks")) {
      String id = asked.asText();
      boolean known =
          found.stream().anyMatch(arn -> arn.equals(id) || arn.endsWith("/" + id))
              || failuresName(failures, id);
      if (!known) {
        // ECS names every task it does not know; moto answers nothing for it.
        failures.addObject().put("arn", id).put("reason", "MISSING");
      }
    }
  }

  private static boolean failuresName(ArrayNode failures, String id) {
    for (JsonNode f : failures) {
      String arn = f.path("arn").asText();
      if (arn.equals(id) || arn.endsWith("/" + id)) {
        return true;
      }
    }
    return false;
  }

  private void stopTask(ObjectNode request, ObjectNode answer) {
    String asked = request.path("task").asText();
    LocalTask local;
    try {
      local = local(asked);
    } catch (IllegalArgumentException notOurs) {
      return;
    }
    local.stop(request.hasNonNull("reason") ? request.get("reason").asText() : null);
    if (answer.get("task") instanceof ObjectNode task) {
      TaskOverlay.write(local.view(), task);
    }
  }

  /**
   * ECS lists the tasks of the desired status asked for (RUNNING by default); moto filters only
   * when asked, and by its own held-still statuses. So the front asks moto for every task and
   * filters the ones it runs by what it says of them; moto's own answer stands for the others.
   */
  private void listTasks(ObjectNode request, ObjectNode answer, Map<String, List<String>> headers)
      throws IOException {
    String wanted = request.path("desiredStatus").asText("RUNNING");
    ObjectNode everyStatus = request.deepCopy();
    everyStatus.remove("desiredStatus");
    JsonNode all =
        MotoWire.JSON.readTree(
            wire.forward("/", headers, MotoWire.JSON.writeValueAsBytes(everyStatus)).body());
    List<String> motoSays = new ArrayList<>();
    answer.path("taskArns").forEach(arn -> motoSays.add(arn.asText()));
    ArrayNode kept = MotoWire.JSON.createArrayNode();
    for (JsonNode arn : all.path("taskArns")) {
      LocalTask local = tasks.get(arn.asText());
      boolean listed =
          local == null
              ? motoSays.contains(arn.asText())
              : wanted.equals(local.view().desiredStatus());
      if (listed) {
        kept.add(arn);
      }
    }
    answer.set("taskArns", kept);
  }
}
