/**
 * The Prefect API port ({@code PrefectApi}) and its GraphQL adapter over OkHttp (transport, errors,
 * batching of states and logs into aliased mutations), the records the agent reads, and the Prefect
 * state conventions it writes (Core 0.15.13's serialized states, the claim and attempt keys, the
 * Spot relaunch marker). Depends on {@code config} and {@code support}.
 */
package io.github.prefectecs.agent.prefect;
