/**
 * Forwarding flow containers' CloudWatch output into their Prefect run logs, each line once:
 * batched FilterLogEvents reads, per-stream windows and event ids, positions kept in the server's
 * own run logs, refusals isolated per group, memory bounded in bytes. The {@code LogsApi} port and
 * its SDK adapter live here. Depends on {@code aws}, {@code prefect}, {@code run} (task events),
 * {@code metrics}, {@code config} and {@code support}.
 */
package io.github.prefectecs.agent.logs;
