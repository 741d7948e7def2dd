/**
 * Claims and their checks: whose a run is after a claim whose answer was lost ({@code
 * ClaimVerdict}), the batched status reads that learn it, and the back-off of claims that keep
 * failing. Pure core: depends on {@code prefect} and {@code support} only.
 */
package io.github.prefectecs.agent.claim;
