/**
 * The Prometheus registry of the agent's series (runs, launches, AWS and Prefect requests, log
 * lines) and the metering decorator of the Prefect API. Depends on {@code prefect} only.
 */
package io.github.prefectecs.agent.metrics;
