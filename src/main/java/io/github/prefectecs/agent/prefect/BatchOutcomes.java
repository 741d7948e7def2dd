package io.github.prefectecs.agent.prefect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.dataloader.Try;

/** Maps batched results onto the per-item values java-dataloader hands to each future. */
final class BatchOutcomes {
  private BatchOutcomes() {}

  static List<Try<Void>> toTries(List<UpdateResult> results, int expected) {
    if (results.size() != expected) {
      return failAll(
          new PrefectApiException(
              PrefectApiException.Kind.MALFORMED,
              "expected " + expected + " results, got " + results.size()),
          expected);
    }
    List<Try<Void>> tries = new ArrayList<>();
    for (UpdateResult result : results) {
      tries.add(result.isOk() ? Try.succeeded(null) : Try.failed(result.error()));
    }
    return tries;
  }

  static List<Try<Void>> failAll(PrefectApiException error, int count) {
    List<Try<Void>> tries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tries.add(Try.failed(error));
    }
    return tries;
  }

  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  static void complete(CompletableFuture<Void> result, Throwable error) {
    if (error == null) {
      result.complete(null);
    } else {
      result.completeExceptionally(unwrap(error));
    }
  }
}
