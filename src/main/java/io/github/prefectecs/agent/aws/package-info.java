/**
 * AWS plumbing shared by the adapters: building the SDK clients (one HTTP client, retries, metrics
 * and throttle interceptors), the client-side token buckets at the published quotas and their
 * adaptive rates, SigV4 signing of the agent's own HTTP calls, the hand-written EC2 Query lookup of
 * the default VPC, the S3 object reader for templates, and binding JSON trees onto SDK requests.
 * Depends on {@code config}, {@code metrics} and {@code support} only; no project type of the
 * adapters that use it.
 */
package io.github.prefectecs.agent.aws;
