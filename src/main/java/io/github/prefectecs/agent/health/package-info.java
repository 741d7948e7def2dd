/**
 * The agent's health: the verdict ({@code AgentHealth}: polls succeeding, background loops still
 * finishing rounds) and the HTTP endpoint that serves it with {@code /api/poke} and {@code
 * /metrics}. Depends on {@code support} only.
 */
package io.github.prefectecs.agent.health;
