/**
 * Bringing an agent up to its first poll: the handshake (tenant, {@code register_agent}, {@code
 * hello}) and, beside it, the launcher's start-up, with retries. Depends on {@code run}, {@code
 * prefect}, {@code health}, {@code config} and {@code support}.
 */
package io.github.prefectecs.agent.startup;
