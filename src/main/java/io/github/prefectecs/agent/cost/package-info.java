/**
 * What a flow run's tasks cost: the bundled Fargate price table (with its sources and dates) and
 * the configured overrides, the arithmetic from a task's size, capacity provider and runtime to an
 * estimate in US dollars (and what Fargate Spot saved against FARGATE), and the run log line that
 * says so. Pure values and functions; no AWS call. Depends on {@code config} and {@code support}.
 */
package io.github.prefectecs.agent.cost;
