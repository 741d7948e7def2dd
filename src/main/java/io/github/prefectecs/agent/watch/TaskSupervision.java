package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.cost.CostEstimator;
import io.github.prefectecs.agent.cost.PriceTable;
import io.github.prefectecs.agent.health.AgentHealth;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.PrefectApi;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.RunRegistry;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.TaskEvents;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The agent's run supervision as configured: a {@link TaskWatcher} over its tasks, whose outcomes
 * go to the run reporter and, when {@code context.secrets.SLACK_WEBHOOK_URL} is set, to Slack.
 */
public final class TaskSupervision implements Supervision {
  /** How the watcher is named in the health endpoint's reason when its ticks stop. */
  static final String LOOP = "task supervision (the task watcher)";

  /** A watcher without a finished tick for this long is stuck (a tick ends in seconds). */
  static final Duration STALE_AFTER = Duration.ofMinutes(3);

  private final TaskWatcher watcher;
  private final SlackNotices slack;

  private TaskSupervision(TaskWatcher watcher, SlackNotices slack) {
    this.watcher = watcher;
    this.slack = slack;
  }

  /**
   * Starts watching on {@code thread}.
   *
   * @param events where task starts and stops go (log forwarding)
   * @param launcher told when a run's task ended, so a run queued again gets a new task
   * @param breaker fed the watcher's Spot interruptions; announces through the notices
   */
  public static TaskSupervision start(
      AgentConfig config,
      EcsTasks ecsTasks,
      PrefectApi api,
      RunRegistry registry,
      TaskEvents events,
      RunReporter reporter,
      Launcher launcher,
      AgentMetrics metrics,
      AgentHealth health,
      SpotBreaker breaker,
      Clock clock,
      ScheduledExecutorService thread) {
    SlackNotices slack =
        config.slackWebhookUrl().isPresent() ? new SlackNotices(config.slackWebhookUrl()) : null;
    Notices notices = slack == null ? Notices.NONE : slack;
    breaker.useNotices(notices);
    RunOutcomes outcomes = new RunOutcomes(reporter, notices, launcher::forget, metrics);
    TaskWatcher watcher =
        new TaskWatcher(
            ecsTasks,
            api,
            registry,
            events,
            outcomes,
            WatchSettings.defaults(
                    config.ecs().cluster(),
                    config.name(),
                    config.supervision().startTimeout(),
                    config.supervision().spotRelaunchLimit())
                .withOrphanGrace(config.supervision().orphanGrace()),
            new CostEstimator(PriceTable.of(config.cost())),
            breaker,
            clock,
            thread);
    health.watchProgress(LOOP, watcher::lastTick, STALE_AFTER);
    watcher.start();
    return new TaskSupervision(watcher, slack);
  }

  @Override
  public void stopWatching() {
    watcher.close();
  }

  @Override
  public void closeNotices(Duration timeout) {
    if (slack != null) {
      slack.close(timeout);
    }
  }
}
