package io.github.prefectecs.agent.prefect;

import java.util.Objects;

/**
 * The outcome of one item of a batched mutation.
 *
 * @param runId the flow run or task run the item was about
 * @param error null on success, else why this item failed (other items are unaffected)
 */
public record UpdateResult(String runId, PrefectApiException error) {
  public UpdateResult {
    Objects.requireNonNull(runId, "runId");
  }

  public static UpdateResult ok(String runId) {
    return new UpdateResult(runId, null);
  }

  public boolean isOk() {
    return error == null;
  }
}
