package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.config.SpotBreakerSettings;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectStates;
import io.github.prefectecs.agent.support.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spot circuit breaker: {@code threshold} Fargate Spot interruptions (the watcher's verdicts)
 * or Spot capacity failures (the launcher's) within {@code window} open it, and while it is open
 * launches that would use the agent's own FARGATE_SPOT strategy go to FARGATE; it closes after
 * {@code coolDown}. Opening and closing are logged at WARN, counted and posted as notices. State in
 * memory: a restarted agent starts closed.
 *
 * <p>Thread-safe: fed by the watcher thread and the launch threads.
 */
public final class SpotBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(SpotBreaker.class);

  private final SpotBreakerSettings settings;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final Deque<Instant> events = new ArrayDeque<>();
  private volatile Notices notices = Notices.NONE;
  private Instant openUntil;

  public SpotBreaker(SpotBreakerSettings settings, AgentMetrics metrics, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A breaker that never opens. */
  public static SpotBreaker off() {
    return new SpotBreaker(SpotBreakerSettings.off(), AgentMetrics.create(), Clock.systemUTC());
  }

  /** Where opening and closing are posted (Slack), once supervision has its notices. */
  public void useNotices(Notices notices) {
    this.notices = Objects.requireNonNull(notices, "notices");
  }

  /** A Fargate Spot interruption of a task that stopped at {@code at}. */
  public void spotInterrupted(Instant at, String task) {
    record(at, "Spot interruption of task " + task);
  }

  /** RunTask found no Fargate Spot capacity for a run. */
  public void capacityFailure(String runId) {
    record(clock.instant(), "no Fargate Spot capacity for flow run " + runId);
  }

  /** Whether launches go to FARGATE now; closes the breaker once its cool-down is over. */
  public synchronized boolean open() {
    Instant now = clock.instant();
    if (openUntil != null && !now.isBefore(openUntil)) {
      openUntil = null;
      metrics.spotBreaker(false);
      String message =
          "Fargate Spot circuit breaker closed after its "
              + Durations.human(settings.coolDown())
              + " cool-down: new launches use the agent's FARGATE_SPOT strategy again";
      LOG.warn(message);
      notices.announce(message);
    }
    return openUntil != null;
  }

  /** The open breaker sent the launch of {@code runId} to FARGATE. */
  public void redirected(String runId) {
    metrics.spotBreakerRedirect();
    LOG.info("Flow run {} goes to FARGATE: the Spot circuit breaker is open", runId);
  }

  /** Until when it is open; empty when closed. */
  public synchronized Optional<Instant> openUntil() {
    return open() ? Optional.of(openUntil) : Optional.empty();
  }

  private synchronized void record(Instant at, String what) {
    if (!settings.enabled()) {
      return;
    }
    Instant now = clock.instant();
    Instant from = now.minus(settings.window());
    if (at.isBefore(from) || open()) {
      return; // an old stop (found at start-up), or it is open already
    }
    events.addLast(at);
    events.removeIf(e -> e.isBefore(from));
    if (events.size() < settings.threshold()) {
      return;
    }
    events.clear();
    openUntil = now.plus(settings.coolDown());
    metrics.spotBreaker(true);
    String message =
        "Fargate Spot circuit breaker open: "
            + settings.threshold()
            + " Spot interruptions or capacity failures within "
            + Durations.human(settings.window())
            + " (the last: "
            + what
            + "); new launches of the agent's FARGATE_SPOT strategy go to FARGATE until "
            + PrefectStates.format(openUntil)
            + " (runs with a strategy of their own keep it)";
    LOG.warn(message);
    notices.announce(message);
  }

  /** The breaker's settings. */
  public SpotBreakerSettings settings() {
    return settings;
  }

  /** How long it stays open once opened. */
  public Duration coolDown() {
    return settings.coolDown();
  }
}
