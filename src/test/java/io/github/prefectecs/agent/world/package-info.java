/**
 * The test world's ECS: a loopback HTTP front for the ECS API in front of the moto emulator that
 * runs every task the agent starts as local processes, as ECS would run its containers (command and
 * environment from the task definition and RunTask overrides, awslogs output into moto's CloudWatch
 * Logs, the real lifecycle with stop codes and exit codes), and that can end a task as ECS would
 * for causes a local process cannot show (out of memory, Spot interruption, failed start).
 *
 * <p>Test code only: nothing here ships in the jar.
 */
package io.github.prefectecs.agent.world;
