/**
 * Task supervision: every task followed to its end with batched DescribeTasks (the {@code EcsTasks}
 * port), stop causes read from the flow container, and what a stopped task's run becomes, written
 * only on the launch attempt the task belongs to and never over what Prefect means (retries due
 * later, pauses, reschedules); cancels, stuck starts, Spot relaunches, operator notices. Depends on
 * {@code run}, {@code prefect}, {@code health}, {@code metrics}, {@code config} and {@code
 * support}.
 */
package io.github.prefectecs.agent.watch;
