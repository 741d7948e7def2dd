package io.github.prefectecs.agent.prefect.server;

import java.util.ArrayDeque;
import java.util.Deque;

/** A queue of injected faults, one consumed per request. Thread-safe. */
final class Faults {
  record Fault(int status, String retryAfter, boolean garbage) {}

  private final Deque<Fault> queue = new ArrayDeque<>();

  synchronized void add(int n, Fault fault) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, was " + n);
    }
    for (int i = 0; i < n; i++) {
      queue.addLast(fault);
    }
  }

  synchronized Fault next() {
    return queue.pollFirst();
  }

  private volatile String requiredKey;

  /** Requests must carry {@code Authorization: Bearer key} from now on; null accepts any. */
  void requireKey(String key) {
    requiredKey = key;
  }

  /** Whether a request with this {@code Authorization} header (may be null) is let through. */
  boolean authorized(String authorization) {
    String key = requiredKey;
    return key == null || ("Bearer " + key).equals(authorization);
  }
}
