/**
 * The core: the poll loop, the registry of runs in flight, launch slots, claims handed to the
 * launcher (the {@code Launcher} port), relaunches of runs the server queued again, and claims a
 * dead process of this agent left. Never depends on {@code aws}, {@code ecs}, {@code watch} or
 * {@code logs}; their adapters implement its ports. Depends on {@code claim}, {@code prefect},
 * {@code health}, {@code metrics} and {@code support}.
 */
package io.github.prefectecs.agent.run;
