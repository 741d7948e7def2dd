/**
 * The agent process: {@code Main} (the command line), {@code AgentProcess} (the production agent),
 * {@code AgentAssembly} (the composition root: every client, executor and subsystem, built once),
 * {@code Agent} (the lifecycle: start, then a stop through the budgeted stages of {@code
 * StopBudget}). May depend on every package below it; nothing depends on it.
 */
package io.github.prefectecs.agent;
