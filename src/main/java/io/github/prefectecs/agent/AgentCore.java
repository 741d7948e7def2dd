package io.github.prefectecs.agent;

import io.github.prefectecs.agent.config.AgentConfig;
import io.github.prefectecs.agent.metrics.AgentMetrics;
import io.github.prefectecs.agent.run.FlowRunPoller;
import io.github.prefectecs.agent.run.LaunchRunner;
import io.github.prefectecs.agent.run.Launcher;
import io.github.prefectecs.agent.run.PollLoop;
import io.github.prefectecs.agent.run.RunReporter;
import io.github.prefectecs.agent.run.StrandedClaims;
import io.github.prefectecs.agent.run.Submitter;
import io.github.prefectecs.agent.startup.ApiConnection;
import io.github.prefectecs.agent.watch.Supervision;
import java.time.Duration;

/**
 * The core of a connected agent, wired from its parts once the handshake is known and the launcher
 * started: claims, launches, the poll loop and supervision. {@link Agent} calls it; the rest of the
 * agent is built by {@link AgentAssembly}.
 */
final class AgentCore {
  /** Launch attempts of one claim for failures that are not throttling. */
  static final int MAX_LAUNCH_ATTEMPTS = 5;

  private AgentCore() {}

  /** The core of a connected agent: claims, launches, the poll loop, supervision. */
  record Wired(Submitter submitter, PollLoop pollLoop, Supervision supervision) {}

  /**
   * Wires the core once the handshake is done and the launcher started.
   *
   * @param requestStop what {@code --max-polls} calls when its polls are done
   */
  static Wired wire(
      AgentParts p, ApiConnection.Connected connected, Launcher launcher, Runnable requestStop) {
    AgentConfig config = p.config();
    AgentThreads threads = p.threads();
    RunReporter reporter = new RunReporter(p.batcher(), config.name(), p.clock());
    LaunchRunner launches =
        new LaunchRunner(
            p.registry(),
            p.slots(),
            reporter,
            launcher,
            threads.timers(),
            threads.launches(),
            MAX_LAUNCH_ATTEMPTS,
            p.metrics());
    Submitter submitter =
        new Submitter(
            p.api(),
            connected.agentId(),
            reporter,
            launches,
            threads.timers(),
            threads.launches(),
            p.clock());
    FlowRunPoller poller =
        new FlowRunPoller(
            p.api(),
            connected.tenantId(),
            config.labels(),
            p.registry(),
            p.slots(),
            submitter,
            launcher,
            p.clock());
    poller.takeOverStrandedClaims(
        new StrandedClaims(p.api(), connected.agentId(), p.registry(), launcher, p.clock()));
    PollLoop loop =
        new PollLoop(
            () -> timedPoll(poller, p.metrics()),
            threads.poll(),
            p.health(),
            config.maxPolls(),
            requestStop);
    Supervision supervision = p.supervisor().start(reporter, launcher, p.logs().events());
    return new Wired(submitter, loop, supervision);
  }

  private static int timedPoll(FlowRunPoller poller, AgentMetrics metrics) {
    long started = System.nanoTime();
    try {
      return poller.pollOnce();
    } finally {
      metrics.pollDuration(Duration.ofNanos(System.nanoTime() - started));
    }
  }
}
