package io.github.prefectecs.agent.support;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM (how ECS stops a service task) and SIGINT (Ctrl-C) ask the agent to stop gracefully, so
 * the process can drain and exit 0; a second signal exits at once with status 1.
 */
public final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Installs the handlers; where the JVM does not allow it, a shutdown hook does the drain. */
  @SuppressWarnings("removal")
  public static void onTermination(Runnable stop, Runnable drainInShutdownHook) {
    AtomicInteger received = new AtomicInteger();
    try {
      for (String name : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            signal -> {
              if (received.incrementAndGet() == 1) {
                LOG.info("SIG{} received: stopping gracefully", signal.getName());
                stop.run();
              } else {
                LOG.warn("Second signal received: exiting now");
                Runtime.getRuntime().halt(1);
              }
            });
      }
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      LOG.debug("Cannot handle signals directly ({}); using a shutdown hook", e.toString());
      Runtime.getRuntime()
          .addShutdownHook(
              new NamedThreadFactory("agent-shutdown", false).newThread(drainInShutdownHook));
    }
  }
}
