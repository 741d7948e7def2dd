package io.github.prefectecs.agent.world;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes what ECS would say about a task over moto's JSON for it: status, stop code and reason,
 * lifecycle timestamps (epoch seconds, as the JSON 1.1 protocol carries them), launch type and the
 * containers of the task definition with their exit codes and reasons. Stateless.
 */
final class TaskOverlay {
  private TaskOverlay() {}

  static void write(TaskView view, ObjectNode task) {
    task.put("lastStatus", view.lastStatus());
    task.put("desiredStatus", view.desiredStatus());
    putOrRemove(task, "launchType", view.launchType());
    if ("FARGATE".equals(view.launchType())) {
      task.put("platformVersion", "1.4.0");
      task.put("platformFamily", "Linux");
      // What ECS says of a Fargate task's CPU; the front runs everything on the host's.
      task.putArray("attributes")
          .addObject()
          .put("name", "ecs.cpu-architecture")
          .put("value", "x86_64");
    }
    task.put("version", view.version());
    putOrRemove(task, "cpu", view.cpu());
    putOrRemove(task, "memory", view.memory());
    putOrRemove(task, "stopCode", view.stopCode());
    putOrRemove(task, "stoppedReason", view.stoppedReason());
    boolean connected = view.startedAt() != null && !view.stopped();
    task.put("connectivity", connected ? "CONNECTED" : "DISCONNECTED");
    time(task, "connectivityAt", view.startedAt());
    time(task, "createdAt", view.createdAt());
    time(task, "pullStartedAt", view.pullStartedAt());
    time(task, "pullStoppedAt", view.pullStoppedAt());
    time(task, "startedAt", view.startedAt());
    time(task, "stoppingAt", view.stoppingAt());
    time(task, "executionStoppedAt", view.executionStoppedAt());
    time(task, "stoppedAt", view.stoppedAt());
    String[] arn = view.taskArn().split(":", 6);
    String cluster = task.path("clusterArn").asText("");
    cluster = cluster.substring(cluster.lastIndexOf('/') + 1);
    ArrayNode containers = task.putArray("containers");
    int n = 0;
    for (TaskView.ContainerView c : view.containers()) {
      ObjectNode container = containers.addObject();
      container.put(
          "containerArn",
          String.join(":", arn[0], arn[1], arn[2], arn[3], arn[4])
              + ":container/"
              + cluster
              + "/"
              + view.taskId()
              + "/"
              + UUID.nameUUIDFromBytes((view.taskArn() + c.name()).getBytes()));
      container.put("taskArn", view.taskArn());
      container.put("name", c.name());
      putOrRemove(container, "image", c.image());
      container.put("runtimeId", view.taskId() + "-" + n++);
      container.put("lastStatus", c.lastStatus());
      if (c.exitCode() != null) {
        container.put("exitCode", c.exitCode());
      }
      putOrRemove(container, "reason", c.reason());
      container.putArray("networkInterfaces");
      container.put("healthStatus", "UNKNOWN");
    }
  }

  private static void putOrRemove(ObjectNode node, String field, String value) {
    if (value == null) {
      node.remove(field);
    } else {
      node.put(field, value);
    }
  }

  private static void time(ObjectNode node, String field, Instant at) {
    if (at == null) {
      node.remove(field);
    } else {
      node.put(field, at.toEpochMilli() / 1000.0);
    }
  }
}
