package io.github.prefectecs.agent.ecs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the launcher would send ECS for a flow without run config (see {@link
 * EcsLauncher#preview()}).
 *
 * @param taskDefinition the rendered task definition (a copy; the caller may read it)
 * @param fargate whether tasks are placed on Fargate
 * @param networkInKwargs whether the RunTask kwargs file sets a networkConfiguration itself
 */
public record LaunchPreview(ObjectNode taskDefinition, boolean fargate, boolean networkInKwargs) {
  public LaunchPreview {
    taskDefinition = taskDefinition.deepCopy();
  }

  /** A text field of the task definition, or null. */
  public String field(String name) {
    return Json.text(taskDefinition, name);
  }
}
