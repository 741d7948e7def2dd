/**
 * {@code agent ecs check}: read-only preflight checks of the Prefect API, the ECS cluster, the
 * network, the task definition, the roles and the log group, each a one-line verdict naming the
 * refused IAM action when there is one. Depends on {@code aws}, {@code ecs}, {@code prefect},
 * {@code config} and {@code support}.
 */
package io.github.prefectecs.agent.check;
