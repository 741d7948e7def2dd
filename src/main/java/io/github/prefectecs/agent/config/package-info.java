/**
 * The configuration: Prefect's precedence (packaged defaults, user and backend files, {@code
 * PREFECT__*} variables, flags), value casting and interpolation, validation that reports every bad
 * key at once with its origin, and the resulting immutable records. Secrets are {@code Secret}s
 * that print as {@code ***}. Depends on nothing else of the project.
 */
package io.github.prefectecs.agent.config;
