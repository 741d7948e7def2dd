package io.github.prefectecs.agent.watch;

import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.prefect.FlowRunStatus;
import io.github.prefectecs.agent.prefect.PrefectApiException;
import io.github.prefectecs.agent.prefect.StateUpdate;
import io.github.prefectecs.agent.run.RunReporter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the watcher decided: the run's state (with the version just read, through the
 * batching reporter), then the run log with the same facts and, for infrastructure failures, an
 * operator notice. A write that fails is written again by the watcher from a fresh read of the run,
 * so a finished run is never overwritten; one refused {@value #GIVE_UP} times for a non-transient
 * reason is given up with an ERROR.
 *
 * <p>Thread-safe.
 */
public final class RunOutcomes {
  private static final Logger LOG = LoggerFactory.getLogger(RunOutcomes.class);
  static final int GIVE_UP = 5;

  private final RunReporter reporter;
  private final Notices notices;
  private final Consumer<String> forgetLaunch;
  private final AgentMetrics metrics;

  /**
   * @param forgetLaunch tells the launcher a run's task ended (so a run queued again gets a new
   *     task)
   */
  public RunOutcomes(RunReporter reporter, Notices notices, Consumer<String> forgetLaunch) {
    this(reporter, notices, forgetLaunch, AgentMetrics.create());
  }

  /**
   * @param forgetLaunch tells the launcher a run's task ended (so a run queued again gets a new
   *     task)
   * @param metrics counts runs failed for a stopped task and Spot relaunches
   */
  public RunOutcomes(
      RunReporter reporter, Notices notices, Consumer<String> forgetLaunch, AgentMetrics metrics) {
    this.reporter = Objects.requireNonNull(reporter, "reporter");
    this.notices = Objects.requireNonNull(notices, "notices");
    this.forgetLaunch = Objects.requireNonNull(forgetLaunch, "forgetLaunch");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  void write(Watched w, FlowRunStatus status, Outcome.Write write) {
    w.writing(write);
    if (write.taskRunStates().isEmpty()) {
      writeFlowRunState(w, status, write);
      return;
    }
    // Task runs first: once the flow run is Scheduled a new flow process may start at once, and
    // must find the interrupted task runs Pending.
    List<CompletableFuture<Void>> taskRuns = new ArrayList<>();
    write.taskRunStates().forEach(u -> taskRuns.add(reporter.setTaskRunState(u)));
    reporter.dispatchTaskRunStates();
    CompletableFuture.allOf(taskRuns.toArray(CompletableFuture[]::new))
        .whenComplete(
            (ok, error) -> {
              if (error == null) {
                writeFlowRunState(w, status, write);
                reporter.dispatchNow();
              } else {
                failed(w, write, unwrap(error));
              }
            });
  }

  /** A run log saying why the run's state is left as Prefect set it, with the task's links. */
  void release(Watched w, Outcome.Release release) {
    reporter.log(w.runId, release.logLevel(), withLinks(w, release.logMessage()));
  }

  /** A run log line (batched). */
  void log(String runId, String level, String message) {
    reporter.log(runId, level, message);
  }

  AgentMetrics metrics() {
    return metrics;
  }

  /** {@code message} and the console addresses of the task and of its flow container's logs. */
  private static String withLinks(Watched w, String message) {
    ObservedTask last = w.last();
    String links =
        ConsoleLinks.line(w.taskArn, w.cluster, last == null ? null : last.tags().logs());
    return links.isEmpty() ? message : message + " " + links;
  }

  private void writeFlowRunState(Watched w, FlowRunStatus status, Outcome.Write write) {
    reporter
        .setFlowRunState(new StateUpdate(w.runId, status.version(), write.state()))
        .whenComplete(
            (ok, error) -> {
              if (error == null) {
                written(w, status, write);
              } else {
                failed(w, write, unwrap(error));
              }
            });
  }

  private void written(Watched w, FlowRunStatus status, Outcome.Write write) {
    reporter.log(w.runId, write.logLevel(), withLinks(w, write.logMessage()));
    if ("Failed".equals(write.type())) {
      metrics.runFailed(
          w.request() == Settlement.StopRequest.OVERTIME
              ? AgentMetrics.CAUSE_MAX_RUNTIME
              : AgentMetrics.CAUSE_TASK_STOPPED);
    } else if ("Scheduled".equals(write.type())) {
      metrics.spotRelaunched();
    }
    if ("ERROR".equals(write.logLevel())) {
      LOG.warn("Flow run {} set to {}: {}", w.runId, write.type(), write.logMessage());
    } else {
      LOG.info("Flow run {} set to {}: {}", w.runId, write.type(), write.logMessage());
    }
    if (write.notice()) {
      notices.post(
          new Notices.Notice(
              w.runId, status.name(), status.flowName(), write.logMessage(), w.taskArn));
    }
    w.writeDone();
  }

  private void failed(Watched w, Outcome.Write write, Throwable error) {
    boolean retryable = !(error instanceof PrefectApiException p) || p.retryable();
    if (w.writeFailed(retryable, GIVE_UP)) {
      LOG.error(
          "Giving up setting flow run {} to {} after {} refusals ({}); its task {} ended: {}",
          w.runId,
          write.type(),
          GIVE_UP,
          error.getMessage(),
          w.taskArn,
          write.logMessage());
      return;
    }
    LOG.warn(
        "Setting flow run {} to {} failed ({}); trying again next tick",
        w.runId,
        write.type(),
        error.getMessage());
  }

  void dispatchNow() {
    reporter.dispatchNow();
  }

  void forgetLaunch(String runId) {
    forgetLaunch.accept(runId);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
