/**
 * Launching flow runs as ECS tasks (the {@code Launcher} port's adapter): run configs, task
 * definition rendering and reuse by content hash, RunTask arguments (tags naming the run and its
 * launch attempt), the Spot fallback, failure classification, the start-up listing of live tasks,
 * and the SDK adapter of supervision's {@code EcsTasks} port. Depends on {@code aws}, {@code
 * prefect}, {@code run} (its ports), {@code watch} (its port) and {@code support}.
 */
package io.github.prefectecs.agent.ecs;
