/**
 * Small building blocks with no knowledge of Prefect or AWS: back-off, token buckets and adaptive
 * rates, the one thread factory, executors, JSON trees, signals, messages. Depends on nothing of
 * the project.
 */
package io.github.prefectecs.agent.support;
