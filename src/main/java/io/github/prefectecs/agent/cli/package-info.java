/**
 * The picocli commands ({@code ecs start}, {@code ecs check}, {@code config show}), their flags
 * (the Python agent's) and the logging set-up. Depends on {@code config} and {@code check}; starts
 * the agent through {@code AgentProcess}.
 */
package io.github.prefectecs.agent.cli;
